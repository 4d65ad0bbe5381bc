# Build options and the guestd_options INTERFACE target every guestd target links.
option(GUESTD_BUILD_TESTS "Build the test suites" ON)
option(GUESTD_BUILD_BENCH "Build the micro benchmarks" ON)
option(GUESTD_FUZZ "Build the libFuzzer targets under fuzz/ (clang only)" OFF)
set(GUESTD_SANITIZE "" CACHE STRING "Sanitizers to build with: empty, \"address,undefined\" or \"thread\"")

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

set(CMAKE_EXPORT_COMPILE_COMMANDS ON)

add_library(guestd_options INTERFACE)
target_compile_features(guestd_options INTERFACE cxx_std_23)
target_compile_definitions(guestd_options INTERFACE
  BOOST_ASIO_SEPARATE_COMPILATION
  BOOST_BEAST_SEPARATE_COMPILATION
  BOOST_ASIO_NO_DEPRECATED
  BOOST_JSON_NO_LIB)
# Sanitizer builds (the asan and tsan presets, run by scripts/sanitize-test.sh). A UBSan finding aborts instead of
# printing and going on, so a test cannot pass over it. A Debug sanitizer build compiles at -O1 (after CMake's -O0,
# so it wins): asserts stay on, and the whole suite runs about twice as fast as at -O0, which keeps the CI stage in
# its budget; frame pointers and no sibling calls keep the reports' stacks whole.
if(GUESTD_SANITIZE)
  set(guestd_sanitize_flags -fsanitize=${GUESTD_SANITIZE} -fno-omit-frame-pointer -fno-optimize-sibling-calls)
  if(GUESTD_SANITIZE MATCHES "undefined")
    list(APPEND guestd_sanitize_flags -fno-sanitize-recover=undefined)
  endif()
  target_compile_options(guestd_options INTERFACE ${guestd_sanitize_flags} $<$<CONFIG:Debug>:-O1>)
  target_link_options(guestd_options INTERFACE -fsanitize=${GUESTD_SANITIZE})
endif()
