# Build options and the guestd_options INTERFACE target every guestd target links.
option(GUESTD_BUILD_TESTS "Build the test suites" ON)
option(GUESTD_BUILD_BENCH "Build the micro benchmarks" ON)
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
if(GUESTD_SANITIZE)
  target_compile_options(guestd_options INTERFACE -fsanitize=${GUESTD_SANITIZE} -fno-omit-frame-pointer)
  target_link_options(guestd_options INTERFACE -fsanitize=${GUESTD_SANITIZE})
endif()
