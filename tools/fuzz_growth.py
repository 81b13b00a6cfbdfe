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
keys stay fixed.

Threads are the other source. A target that runs a runtime (capi: the owner
thread and its workers) meets its threads on locks and shared reference
counts, and which of them gets there first is the scheduler's doing: std's
futex mutex takes its contended path only when another thread holds the
lock, a channel's receiver spins, parks or finds a message waiting, and
Arc's drop runs the last reference's branch (and its fence) on whichever
thread lets go last. Those edges turn up one by one for as long as the run
lasts, whatever the inputs. The second line leaves out the edges in std's
locks and channels (library/std/src/sync, library/std/src/sys/sync), Arc's
reference counting (library/alloc/src/sync.rs) and atomic fences
(library/core/src/sync) as well, and says how many of each it left out. Code that merely runs on
several threads (mapcore's own inbox, the workers' jobs) stays counted. A
third line counts the new edges in mapcore's own code
(rust/src) by quarter: a target can keep finding edges in a dependency's
large state space (rustybuzz's shapers for every script) after its
growth in mapcore's code has stopped, or the other way round.

A build without AddressSanitizer (FUZZ_SANITIZER=none) has no symbolizer in
the process: libFuzzer logs each NEW_PC as a bare address. Given the binary
that ran (--binary), the addresses are symbolized here with llvm-symbolizer:
the log's "Loaded 1 PC tables" line gives where the table was loaded, the
binary's __start___sancov_pcs where it sits in the file, and the two give
the load address. A binary whose table has another size than the log's is
not the one that ran, and is refused.

    tools/fuzz_growth.py [--binary BIN] LOG...
"""
import re
import shutil
import subprocess
import sys

LINE = re.compile(r"#(\d+)\s+(INITED|NEW|REDUCE|pulse)\s+cov: (\d+) ft: (\d+)")
NEW_PC = re.compile(r"\s*NEW_PC: 0x[0-9a-f]+ in (.*)")
BARE_PC = re.compile(r"\s*NEW_PC: (0x[0-9a-f]+)\s*$")
PC_TABLE = re.compile(r"INFO: Loaded 1 PC tables \((\d+) PCs\): \d+ \[(0x[0-9a-f]+),")
# Files whose branches depend on something other than the input (see above):
# random hash keys, and which thread reaches a lock or a last reference first.
NOISE = (
    ("hashbrown's random probes", re.compile(r"/hashbrown-[^/]+/")),
    ("thread timing in std's locks, channels, Arc counts and fences",
     re.compile(r"/library/(std/src/sys/sync/|std/src/sync/|alloc/src/sync\.rs|core/src/sync/)")),
)
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


def symbolizer(binary, log):
    """A function from a bare NEW_PC address of `log` to "function file:line",
    or a string saying why there is none."""
    if binary is None:
        return "bare addresses (a build without ASan): give --binary to place them"
    table = None
    with open(log, errors="replace") as f:
        for line in f:
            m = PC_TABLE.match(line)
            if m:
                table = (int(m.group(1)), int(m.group(2), 16))
                break
    if table is None:
        return "no 'Loaded 1 PC tables' line in the log"
    tools = [shutil.which(t) for t in ("llvm-symbolizer", "llvm-nm")]
    if None in tools:
        return "llvm-symbolizer and llvm-nm are needed to place bare addresses"
    syms = {}
    for line in subprocess.run([tools[1], "--defined-only", binary], capture_output=True,
                               text=True, check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] in ("__start___sancov_pcs", "__stop___sancov_pcs"):
            syms[parts[2]] = int(parts[0], 16)
    if len(syms) != 2:
        return f"{binary} has no sancov PC table"
    # A table entry is two words: the PC and its flags.
    if (syms["__stop___sancov_pcs"] - syms["__start___sancov_pcs"]) // 16 != table[0]:
        return f"{binary} is not the binary of this log (its PC table has another size)"
    base = table[1] - syms["__start___sancov_pcs"]

    def place(pcs):
        todo = sorted(set(pcs))
        out = subprocess.run([tools[0], f"--obj={binary}", "--demangle"],
                             input="".join(f"{pc - base:#x}\n" for pc in todo),
                             capture_output=True, text=True, check=True).stdout
        # One block per address, frames innermost first, blank line after.
        where = {}
        for pc, block in zip(todo, out.strip("\n").split("\n\n")):
            lines = block.splitlines()
            where[pc] = f"{lines[0]} {lines[1]}" if len(lines) > 1 else "?"
        return [where[pc] for pc in pcs]

    return place


def growth(path, binary=None):
    points = []
    pending = []  # NEW_PC lines come before the status line of their execution
    new_pcs = []  # (executions, index into placed)
    placed = []  # every NEW_PC's "function file:line", or its bare address until placed
    with open(path, errors="replace") as f:
        for line in f:
            p = NEW_PC.match(line)
            b = None if p else BARE_PC.match(line)
            if p or b:
                pending.append(len(placed))
                placed.append(p.group(1) if p else int(b.group(1), 16))
                continue
            m = LINE.match(line)
            if m:
                n = int(m.group(1))
                points.append((n, m.group(2), int(m.group(3))))
                new_pcs.extend((n, i) for i in pending)
                pending = []
    start = next((i for i, p in enumerate(points) if p[1] == "INITED"), None)
    if start is None:
        return f"{path}: no INITED line (the run did not load its corpus)"
    run = points[start:]
    execs, first = run[0][0], run[0][2]
    total, last = run[-1][0], run[-1][2]
    out = (f"{path}: coverage {first} -> {last} edges (+{(last - first) / first * 100:.2f}%) "
           f"in {total} runs; by quarter {quarters(first, [(e, c) for e, _, c in run], execs, total)}")
    bare = [i for i, w in enumerate(placed) if isinstance(w, int)]
    if bare:
        place = symbolizer(binary, path)
        if isinstance(place, str):
            return out + f"\n{path}: {len(bare)} new edges not placed: {place}"
        for i, w in zip(bare, place([placed[i] for i in bare])):
            placed[i] = w

    def noise(where):
        return next((k for k, (_, r) in enumerate(NOISE) if r.search(where)), None)

    # (executions, index of its NOISE class or None, in mapcore's own code?)
    new_pcs = [(e, noise(placed[i]), bool(OWN.search(" " + placed[i]))) for e, i in new_pcs]
    if new_pcs:
        # The edges of the code under test: the total less the noise ones
        # found after loading (those found while loading stay in the base).
        left_out = ", ".join(f"{name} {sum(1 for _, n, _ in new_pcs if n == i)}"
                             for i, (name, _) in enumerate(NOISE))
        counted = [(e, first + i + 1) for i, e in enumerate(e for e, n, _ in new_pcs if n is None)]
        out += (f"\n{path}: without the edges that are not the input's doing ({left_out}; of "
                f"{len(new_pcs)} new edges): by quarter {quarters(first, counted, execs, total)}")
        own = [e for e, _, o in new_pcs if o]
        bounds = [execs + (total - execs) * k // 4 for k in range(5)]
        by_quarter = [sum(1 for e in own if a < e <= b) for a, b in zip(bounds, bounds[1:])]
        out += (f"\n{path}: new edges in mapcore's own code (rust/src): {len(own)} of {len(new_pcs)}; "
                f"by quarter " + " ".join(f"+{n}" for n in by_quarter))
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    binary = None
    if args[:1] == ["--binary"] and len(args) > 1:
        binary, args = args[1], args[2:]
    if not args:
        sys.exit(__doc__)
    for p in args:
        print(growth(p, binary))
