# Debian 12 packages only, found with find_package / pkg-config; nothing is downloaded at build time.
# scripts/install-deps.sh installs every one of them.
find_package(Threads REQUIRED)
find_package(Boost 1.81.0 EXACT REQUIRED CONFIG COMPONENTS json system)
find_package(CLI11 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
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
