/* Included before everything else in every hardened translation unit (cmake/Hardening.cmake).
 *
 * _FORTIFY_SOURCE=3 (glibc 2.34 and GCC 12 or clang 9: checks with sizes known only at run time; older ones use
 * level 2), only when optimising, since glibc's checks need the optimiser and warn without it, and only when the
 * compiler (Ubuntu's defines it) or the flags (dpkg-buildflags' CPPFLAGS) have not defined it already: a second
 * definition on the command line would be a redefinition warning, an error under -Werror. */
#if defined(__OPTIMIZE__) && !defined(_FORTIFY_SOURCE)
#define _FORTIFY_SOURCE 3
#endif
