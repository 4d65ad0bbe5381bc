#!/usr/bin/env python3
"""Statistical verdict on interleaved pairs of latencies: is A slower than B?

Usage: paired_verdict.py A_FILE B_FILE [ALPHA]
Each file holds one latency in seconds per line; line i of A and line i of B are one pair, measured back to back
(in a random order within the pair) on the same server, so they share the machine's noise of that moment.

Prints the median of the paired differences (A - B) with its distribution-free 95% confidence interval, the
Wilcoxon signed-rank test on the pairs and, for comparison with figures taken without pairing, the Mann-Whitney U
test on the two samples, then one verdict line. Both tests use the normal approximation with the tie correction
(plain Python: scipy may be absent), which is accurate for the hundreds of pairs the benchmark takes.
"""

import math
import sys


def read(path):
    with open(path) as f:
        return [float(line) * 1000.0 for line in f if line.strip()]  # milliseconds


def ranks(values):
    """Ranks 1..n of values, ties getting the mean of the ranks they span; also the sizes of the tie groups."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    ties = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2.0 + 1.0
        if j > i:
            ties.append(j - i + 1)
        i = j + 1
    return out, ties


def two_sided_p(z):
    return math.erfc(abs(z) / math.sqrt(2.0))


def wilcoxon_signed_rank(diffs):
    """z and two-sided p of the signed-rank statistic; zero differences are dropped (Wilcoxon's convention)."""
    d = [x for x in diffs if x != 0.0]
    n = len(d)
    if n == 0:
        return 0.0, 1.0, 0
    r, ties = ranks([abs(x) for x in d])
    w_plus = sum(rank for rank, x in zip(r, d) if x > 0)
    mean = n * (n + 1) / 4.0
    var = n * (n + 1) * (2 * n + 1) / 24.0 - sum(t ** 3 - t for t in ties) / 48.0
    if var <= 0:
        return 0.0, 1.0, n
    delta = w_plus - mean
    z = (delta - math.copysign(0.5, delta)) / math.sqrt(var) if delta != 0 else 0.0  # continuity correction
    return z, two_sided_p(z), n


def mann_whitney(a, b):
    """z and two-sided p of the U statistic of a against b."""
    n1, n2 = len(a), len(b)
    r, ties = ranks(a + b)
    u = sum(r[:n1]) - n1 * (n1 + 1) / 2.0
    n = n1 + n2
    mean = n1 * n2 / 2.0
    var = n1 * n2 / 12.0 * ((n + 1) - sum(t ** 3 - t for t in ties) / (n * (n - 1)))
    if var <= 0:
        return 0.0, 1.0
    delta = u - mean
    z = (delta - math.copysign(0.5, delta)) / math.sqrt(var) if delta != 0 else 0.0
    return z, two_sided_p(z)


def median(xs):
    s = sorted(xs)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2.0


def median_ci(xs, level=0.95):
    """The order statistics that bracket the median with at least `level` confidence (binomial, normal approx.)."""
    s = sorted(xs)
    n = len(s)
    z = 1.959964 if level == 0.95 else 2.575829
    half = z * math.sqrt(n) / 2.0
    lo = max(0, int(math.floor(n / 2.0 - half)))
    hi = min(n - 1, int(math.ceil(n / 2.0 + half)) - 1)
    return s[lo], s[hi]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    a, b = read(sys.argv[1]), read(sys.argv[2])
    alpha = float(sys.argv[3]) if len(sys.argv) > 3 else 0.01
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    diffs = [x - y for x, y in zip(a, b)]
    med = median(diffs)
    lo, hi = median_ci(diffs)
    z_w, p_w, used = wilcoxon_signed_rank(diffs)
    z_u, p_u = mann_whitney(a, b)
    slower = sum(1 for d in diffs if d > 0)
    print(f"pairs: {n}; A slower in {slower} of them ({100.0 * slower / n:.0f}%)")
    print(f"median paired difference A - B: {med:+.3f} ms (95% CI {lo:+.3f} .. {hi:+.3f} ms)")
    print(f"Wilcoxon signed-rank on the pairs: z = {z_w:+.2f}, p = {p_w:.3g} ({used} non-zero differences)")
    print(f"Mann-Whitney U on the two samples: z = {z_u:+.2f}, p = {p_u:.3g}")
    if p_w < alpha:
        side = "slower" if med > 0 else "faster"
        print(f"verdict: DISTINGUISHABLE: A is {side} than B by {abs(med):.3f} ms at the median "
              f"(Wilcoxon p = {p_w:.3g} < {alpha})")
    else:
        print(f"verdict: indistinguishable: no difference detected over {n} pairs "
              f"(Wilcoxon p = {p_w:.3g} >= {alpha}; median difference {med:+.3f} ms)")


if __name__ == "__main__":
    main()
