#!/usr/bin/env python3
"""Coverage growth of a libFuzzer run, from its log (tools/fuzz.sh keeps one
per target in rust/fuzz/logs): the coverage (edges) when the corpus was
loaded, at the end, and the growth in each quarter of the run's executions
(libFuzzer logs no times; its executions per second stay about constant
within a run). A target has stopped finding new coverage when the last
quarters add (almost) nothing: run it longer while they do not.

    tools/fuzz_growth.py LOG...
"""
import re
import sys

LINE = re.compile(r"#(\d+)\s+(INITED|NEW|REDUCE|pulse)\s+cov: (\d+) ft: (\d+)")


def growth(path):
    points = []
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if m:
                points.append((int(m.group(1)), m.group(2), int(m.group(3))))
    start = next((i for i, p in enumerate(points) if p[1] == "INITED"), None)
    if start is None:
        return f"{path}: no INITED line (the run did not load its corpus)"
    run = points[start:]
    execs, first = run[0][0], run[0][2]
    total, last = run[-1][0], run[-1][2]

    def cov_at(n):
        c = first
        for e, _, cov in run:
            if e > n:
                break
            c = cov
        return c

    qs = [cov_at(execs + (total - execs) * k // 4) for k in range(5)]
    quarters = " ".join(f"+{(b - a) / a * 100:.2f}%" for a, b in zip(qs, qs[1:]))
    return (f"{path}: coverage {first} -> {last} edges (+{(last - first) / first * 100:.2f}%) "
            f"in {total} runs; by quarter {quarters}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for p in sys.argv[1:]:
        print(growth(p))
