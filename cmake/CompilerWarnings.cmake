# The guestd_warnings INTERFACE target: the warning set every guestd target compiles with.
add_library(guestd_warnings INTERFACE)
target_compile_options(guestd_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wconversion -Wsign-conversion -Wnull-dereference
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough -Wno-sign-conversion -Wno-conversion -Wno-missing-field-initializers)
