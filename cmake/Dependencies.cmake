# Debian 12 packages only, found with find_package / pkg-config; nothing is downloaded at build time.
# scripts/install-deps.sh installs every one of them.
find_package(Threads REQUIRED)
find_package(Boost 1.81.0 EXACT REQUIRED CONFIG COMPONENTS json system)
find_package(CLI11 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED libsodium)
# guestd links libsodium statically, from a copy of libsodium-dev's libsodium.a whose calls to mmap and munmap are
# renamed guestd_sodium_mmap and guestd_sodium_munmap: src/domain/hash_memory.cpp defines those and keeps argon2id's
# memory between hashes. The renaming reaches libsodium's own calls and nothing else: guestd's code and every other
# library, static or shared, still call libc's. The guestd_sodium target (src/domain) links the copy.
find_library(SODIUM_ARCHIVE NAMES libsodium.a HINTS ${SODIUM_LIBRARY_DIRS} REQUIRED)
if(NOT CMAKE_OBJCOPY)
  message(FATAL_ERROR "objcopy not found (binutils): it renames libsodium's mmap and munmap")
endif()
set(GUESTD_SODIUM_ARCHIVE ${CMAKE_BINARY_DIR}/libsodium-guestd.a)
add_custom_command(OUTPUT ${GUESTD_SODIUM_ARCHIVE}
  COMMAND ${CMAKE_OBJCOPY} --redefine-sym mmap=guestd_sodium_mmap --redefine-sym munmap=guestd_sodium_munmap
          ${SODIUM_ARCHIVE} ${GUESTD_SODIUM_ARCHIVE}
  DEPENDS ${SODIUM_ARCHIVE}
  COMMENT "Copying libsodium.a with its mmap and munmap renamed"
  VERBATIM)
add_custom_target(guestd_sodium_archive DEPENDS ${GUESTD_SODIUM_ARCHIVE})
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)

# zxcvbn: the header comes from libzxcvbn-dev, the library from libzxcvbn0.
find_path(ZXCVBN_INCLUDE_DIR zxcvbn.h REQUIRED)
# The static archive is not position independent, so link the shared runtime (libzxcvbn0) by its soname.
find_library(ZXCVBN_LIBRARY NAMES libzxcvbn.so.0 zxcvbn REQUIRED)
add_library(zxcvbn::zxcvbn UNKNOWN IMPORTED)
set_target_properties(zxcvbn::zxcvbn PROPERTIES
  IMPORTED_LOCATION "${ZXCVBN_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${ZXCVBN_INCLUDE_DIR}")

if(GUESTD_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(GUESTD_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
