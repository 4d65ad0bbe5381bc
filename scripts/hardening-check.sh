#!/usr/bin/env bash
# Checks that a guestd binary was built hardened, as cmake/Hardening.cmake asks: the ctest `hardening.guestd` runs
# it on the ci build's binary, scripts/package-test.sh on the release build's and on the installed package's.
#   scripts/hardening-check.sh BINARY             the whole check (the binary must have its symbol table)
#   scripts/hardening-check.sh --stripped BINARY  only what a stripped binary shows (the .deb's /usr/bin/guestd)
#
# 1. Debian's hardening-check (devscripts): PIE, stack protector, fortified libc calls, RELRO and immediate binding
#    (-z now). Its control-flow check is skipped: it wants the IBT and SHSTK property note, which the linker sets
#    only when every input has it, and Debian 12's own start files (Scrt1.o, crti.o) and libsodium.a have none.
# 2. guestd's own functions (namespace guestd): libsodium is linked statically (src/domain/hash_memory.hpp) and
#    brings its own __stack_chk_fail and __explicit_bzero_chk, so the binary-wide look of step 1 would pass even if
#    guestd's code lost its flags. Each flag must show in guestd's code itself: endbr64 at function entries
#    (-fcf-protection), calls to __stack_chk_fail (-fstack-protector-strong) and to checked __*_chk functions
#    (_FORTIFY_SOURCE), and large frames probed page by page (-fstack-clash-protection: sub $0x1000,%rsp then
#    or $0x0,(%rsp)). Without the flag, GCC emits none of them in guestd's code.
set -euo pipefail

stripped=0
if [ "${1:-}" = --stripped ]; then stripped=1; shift; fi
[ $# -eq 1 ] || { echo "usage: $0 [--stripped] BINARY" >&2; exit 2; }
binary=$1
[ -f "$binary" ] || { echo "FAIL - $binary: no such file" >&2; exit 1; }
command -v hardening-check >/dev/null || {
    echo "FAIL - hardening-check is not installed (Debian's devscripts; scripts/install-deps.sh installs it)" >&2
    exit 1
}

# 1. The binary as a whole.
failed=0
hardening-check --nocfprotection "$binary" || { echo "FAIL - hardening-check $binary" >&2; failed=1; }

if [ "$stripped" -eq 1 ]; then
    [ "$failed" -eq 0 ] || exit 1
    echo "ok - $binary (stripped: guestd's own functions were checked on the build's binary)"
    exit 0
fi

# 2. guestd's own functions. A function is guestd's when its qualified name (the demangled name up to its
# template arguments or parameters, after any return type) starts in namespace guestd.
readelf -S --wide "$binary" | grep -q ' \.symtab ' \
    || { echo "FAIL - $binary has no symbol table (stripped?)" >&2; exit 1; }
counts=$(objdump -d --no-show-raw-insn -C "$binary" | awk '
    /^[0-9a-f]+ <.*>:$/ {
        name = substr($0, index($0, "<") + 1); name = substr(name, 1, length(name) - 2)
        head = name; sub(/[<(].*/, "", head)
        ours = head ~ /(^| )guestd::/; entry = 1; previous = ""
        if (ours) functions++
        next
    }
    ours && /^ +[0-9a-f]+:\t/ {
        split($0, field, "\t"); insn = field[2]
        if (entry && insn ~ /^endbr64/) cet++
        entry = 0
        if (insn ~ /^call .*<__stack_chk_fail(@plt)?>/) ssp[name] = 1
        else if (insn ~ /^(call|jmp) .*<__[a-z0-9_]+_chk(@plt)?>/) fortify[name] = 1
        if (previous ~ /^sub +\$0x1000,%rsp/ && insn ~ /^orq? +\$0x0,\(%rsp\)/) clash[name] = 1
        previous = insn
    }
    END {
        for (f in ssp) n_ssp++
        for (f in fortify) n_fortify++
        for (f in clash) n_clash++
        printf "%d %d %d %d %d\n", functions, cet, n_ssp, n_fortify, n_clash
    }')
read -r functions cet ssp fortify clash <<<"$counts"
[ "$functions" -gt 0 ] || { echo "FAIL - no function of namespace guestd in $binary" >&2; exit 1; }

check() {  # what count flag
    if [ "$2" -gt 0 ]; then
        echo " guestd's functions, $1: $2 of $functions"
    else
        echo "FAIL - no guestd function shows $1: built without $3?" >&2
        failed=1
    fi
}
check "endbr64 at entry" "$cet" -fcf-protection
check "calls to __stack_chk_fail" "$ssp" -fstack-protector-strong
check "calls to fortified __*_chk functions" "$fortify" -D_FORTIFY_SOURCE
check "probed large frames" "$clash" -fstack-clash-protection
[ "$failed" -eq 0 ] || exit 1
echo "ok - $binary"
