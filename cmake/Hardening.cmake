# Hardening: what a Debian package gets from dpkg-buildflags (hardening=+all), on every guestd target of every build
# but the sanitizer and fuzz builds, whose runtimes do these checks their own way (ASan's interceptors and
# _FORTIFY_SOURCE's checked functions bypass each other). scripts/hardening-check.sh proves the result on the
# binary: ctest `hardening.guestd` on the ci build, scripts/package-test.sh on the release build and the .deb.
option(GUESTD_HARDENING "Build with fortify, stack protector, stack clash and CET protection, PIE, full RELRO" ON)

if(GUESTD_HARDENING AND NOT GUESTD_SANITIZE AND NOT GUESTD_FUZZ)
  set(GUESTD_HARDENED ON)
  target_compile_options(guestd_options INTERFACE
    # _FORTIFY_SOURCE=3 when optimising and not already defined by the compiler or the flags (fortify_source.h).
    "SHELL:-include ${CMAKE_CURRENT_LIST_DIR}/fortify_source.h"
    -fstack-protector-strong
    -fstack-clash-protection
    -fcf-protection
    -fPIE)
  # Every target that links guestd_options is an executable or a static library linked into one.
  target_link_options(guestd_options INTERFACE -pie LINKER:-z,relro LINKER:-z,now)
else()
  set(GUESTD_HARDENED OFF)
endif()
