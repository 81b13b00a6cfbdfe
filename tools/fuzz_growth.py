#!/usr/bin/env python3
"""Coverage growth of a libFuzzer run, from its log (tools/fuzz.sh keeps one
per target in rust/fuzz/logs): the coverage (edges) when the corpus was
loaded, at the end, and the growth in each quarter of the run's executions
(libFuzzer logs no times; its executions per second stay about constant
within a run). A target has stopped finding new coverage when the last
quarters add (almost) nothing: run it longer while they do not.

Some edges need not be the input's doing. std's hash maps (and serde_json's
ordered maps, which use them) hash with keys drawn at random for each map,
so whether two keys probe into one group, and which branch of the probe
loop runs, can change from one execution of the same input to the next: a
run then keeps "finding" such edges, in hashbrown's probe code, long after
it stopped finding paths in the code under test. The fuzz binaries fix
those keys (rust/fuzz/src/lib.rs). tools/fuzz.sh runs with -print_pcs=1,
which logs each newly covered edge (NEW_PC) with its function and file; when
the log has them, a second line gives the growth by quarter without the
edges in hashbrown's files, and how many were left out: none, while the
keys stay fixed. A third line counts the new edges in mapcore's own code
(rust/src) by quarter: a target can keep finding edges in a dependency's
large state space (rustybuzz's shapers for every script) after its
growth in mapcore's code has stopped, or the other way round.

    tools/fuzz_growth.py LOG...
"""
import re
import sys

LINE = re.compile(r"#(\d+)\s+(INITED|NEW|REDUCE|pulse)\s+cov: (\d+) ft: (\d+)")
NEW_PC = re.compile(r"\s*NEW_PC: 0x[0-9a-f]+ in (.*)")
# Files whose branches depend on random hash keys rather than on the input.
RANDOM = re.compile(r"/hashbrown-[^/]+/")
# mapcore's own source files (not the toolchain's, not a registry crate's).
OWN = re.compile(r" /\S*/rust/src/\S+\.rs:\d+")


def quarters(first, run, execs, total):
    """The value of `run` ((executions, value) in order, from `first`) at each
    quarter of the executions, and the growth (%) within each quarter."""

    def at(n):
        c = first
        for e, v in run:
            if e > n:
                break
            c = v
        return c

    qs = [at(execs + (total - execs) * k // 4) for k in range(5)]
    return " ".join(f"+{(b - a) / a * 100:.2f}%" for a, b in zip(qs, qs[1:]))


def growth(path):
    points = []
    pending = []  # NEW_PC lines come before the status line of their execution
    new_pcs = []  # (executions, random?, own?)
    with open(path, errors="replace") as f:
        for line in f:
            p = NEW_PC.match(line)
            if p:
                pending.append((bool(RANDOM.search(p.group(1))), bool(OWN.search(line))))
                continue
            m = LINE.match(line)
            if m:
                n = int(m.group(1))
                points.append((n, m.group(2), int(m.group(3))))
                new_pcs.extend((n, r, o) for r, o in pending)
                pending = []
    start = next((i for i, p in enumerate(points) if p[1] == "INITED"), None)
    if start is None:
        return f"{path}: no INITED line (the run did not load its corpus)"
    run = points[start:]
    execs, first = run[0][0], run[0][2]
    total, last = run[-1][0], run[-1][2]
    out = (f"{path}: coverage {first} -> {last} edges (+{(last - first) / first * 100:.2f}%) "
           f"in {total} runs; by quarter {quarters(first, [(e, c) for e, _, c in run], execs, total)}")
    if new_pcs:
        # The edges of the code under test: the total less the random ones
        # found after loading (those found while loading stay in the base).
        seen_random = sum(r for _, r, _ in new_pcs)
        counted = [(e, first + i + 1) for i, e in enumerate(e for e, r, _ in new_pcs if not r)]
        out += (f"\n{path}: without hashbrown's random probe edges ({seen_random} of "
                f"{len(new_pcs)} new edges): by quarter {quarters(first, counted, execs, total)}")
        own = [e for e, _, o in new_pcs if o]
        bounds = [execs + (total - execs) * k // 4 for k in range(5)]
        by_quarter = [sum(1 for e in own if a < e <= b) for a, b in zip(bounds, bounds[1:])]
        out += (f"\n{path}: new edges in mapcore's own code (rust/src): {len(own)} of {len(new_pcs)}; "
                f"by quarter " + " ".join(f"+{n}" for n in by_quarter))
    return out


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for p in sys.argv[1:]:
        print(growth(p))
