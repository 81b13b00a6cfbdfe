#!/usr/bin/env python3
"""Where a fuzz target's corpus reaches: runs the target once over its
corpus (libFuzzer's -runs=0 -print_coverage=1, which needs llvm-symbolizer
on PATH) and sums the covered edges per source unit: each of mapcore's
files, each crate, the standard library. With --functions, mapcore's
functions too, with how many inputs entered each.

A coverage total can grow for hours in a parser crate while mapcore's own
code stays barely reached (the sprite target's entries' checks before the
target made its own sheet; CFF outlines before the font target had an OTF
seed). This tells the two apart.

    tools/fuzz_reach.py TARGET [--functions] [--corpus DIR] [--base DIR]
    tools/fuzz_reach.py all

TARGET is built by `make fuzz` or `cargo +nightly fuzz build TARGET` in
rust/fuzz; the corpus defaults to rust/fuzz/corpus/TARGET. --base DIR
compares with another corpus (e.g. an unpacked snapshot): the units whose
coverage differs, old and new. `all` runs every built target over its
corpus and lists mapcore's functions that no target enters, largest first:
code that untrusted input reaches only through a path no target feeds (or
code no input reaches at all). Read that list against the callers: a
function the optimiser also inlined shows as not entered when only its
inlined copies run (render/coverage.rs, inlined whole into the canvas's
fill_path, which every antialiased fill enters).
"""
import argparse
import collections
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
FUZZ = os.path.join(ROOT, "rust", "fuzz")
FUNC = re.compile(r"(?:UN)?COVERED_FUNC: hits: (\d+) edges: (\d+)/(\d+) (.*) (\S+):\d+$")


def unit(path):
    """The unit a source file belongs to."""
    if "/registry/src/" in path:
        return path.split("/registry/src/")[1].split("/")[1]  # crate-version
    if "/rustc/" in path:
        return "std"
    marker = "/rust/src/"
    if marker in path:
        return "mapcore " + path.split(marker, 1)[1]
    if "/rust/fuzz/src/" in path:
        return "fuzz " + path.split("/rust/fuzz/src/", 1)[1]
    return "other"


def target_env():
    """The environment tools/fuzz.sh gives the targets: MAPCORE_FUZZ_ASSETS
    from the shared data it finds the same way (SHARED, MAPCORE_SHARED,
    ../shared)."""
    env = dict(os.environ)
    shared = env.get("SHARED") or env.get("MAPCORE_SHARED") or os.path.join(ROOT, "..", "shared")
    assets = os.path.join(shared, "conformance", "assets")
    if "MAPCORE_FUZZ_ASSETS" not in env and os.path.isdir(assets):
        env["MAPCORE_FUZZ_ASSETS"] = os.path.abspath(assets)
    return env


ENV = target_env()


def reach(binary, corpus):
    """(edges per unit, total edges per unit, mapcore functions)."""
    out = subprocess.run(
        [binary, "-runs=0", "-print_coverage=1", "-rss_limit_mb=2048", "-timeout=60", corpus],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", check=False, env=ENV,
    ).stdout
    covered, total, functions = collections.Counter(), collections.Counter(), []
    for line in out.splitlines():
        m = FUNC.match(line.strip())
        if not m:
            continue
        hits, got, of, name, path = int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4), m.group(5)
        u = unit(path)
        covered[u] += got
        total[u] += of
        if u.startswith("mapcore "):
            functions.append((u[len("mapcore "):], name, hits, got, of))
    if not total:
        sys.exit("no coverage printed: is llvm-symbolizer on PATH, and does %s run?\n%s" % (binary, out[-2000:]))
    return covered, total, functions


def binary_of(target):
    return os.path.join(FUZZ, "target", "x86_64-unknown-linux-gnu", "release", target)


def unreached():
    """Prints mapcore's functions that no built target's corpus enters."""
    targets = sorted(os.path.splitext(f)[0] for f in os.listdir(os.path.join(FUZZ, "fuzz_targets")) if f.endswith(".rs"))
    entered, linked, ran = set(), {}, []
    for t in targets:
        corpus = os.path.join(FUZZ, "corpus", t)
        if not os.access(binary_of(t), os.X_OK) or not os.path.isdir(corpus):
            print("skipped %s: not built or no corpus (make fuzz)" % t)
            continue
        ran.append(t)
        for path, name, hits, _, of in reach(binary_of(t), corpus)[2]:
            key = (path, name)
            linked[key] = max(linked.get(key, 0), of)
            if hits:
                entered.add(key)
    missed = sorted((of, path, name) for (path, name), of in linked.items() if (path, name) not in entered)
    print("%-32s %6s  function (entered by none of: %s)" % ("file", "edges", " ".join(ran)))
    for of, path, name in reversed(missed):
        print("%-32s %6d  %s" % (path, of, name[:110]))
    print("mapcore functions linked into a target: %d; entered by none: %d (%d edges of %d)"
          % (len(linked), len(missed), sum(m[0] for m in missed), sum(linked.values())))


def main():
    if sys.argv[1:] == ["all"]:
        unreached()
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("target")
    ap.add_argument("--functions", action="store_true")
    ap.add_argument("--corpus")
    ap.add_argument("--base")
    args = ap.parse_args()
    binary = binary_of(args.target)
    if not os.access(binary, os.X_OK):
        sys.exit("%s is not built: cd rust/fuzz && cargo +nightly fuzz build %s" % (binary, args.target))
    covered, total, functions = reach(binary, args.corpus or os.path.join(FUZZ, "corpus", args.target))
    ours = sorted((u for u in total if u.startswith("mapcore ")), key=lambda u: -covered[u])
    rest = sorted((u for u in total if not u.startswith("mapcore ")), key=lambda u: -covered[u])
    if args.base:
        old, _, _ = reach(binary, args.base)
        print("%-50s %7s %7s %7s" % ("unit (coverage differs)", "base", "corpus", "edges"))
        for u in ours + rest:
            if old[u] != covered[u]:
                print("%-50s %7d %7d %7d" % (u, old[u], covered[u], total[u]))
    else:
        print("%-50s %7s %7s" % ("unit", "covered", "edges"))
        for u in ours + rest:
            if covered[u]:
                print("%-50s %7d %7d" % (u, covered[u], total[u]))
    mine = sum(covered[u] for u in ours)
    print("mapcore's own code: %d of %d edges in the functions linked into %s" % (mine, sum(total[u] for u in ours), args.target))
    if args.functions:
        print("\n%-32s %8s %9s  function" % ("file", "inputs", "edges"))
        for path, name, hits, got, of in sorted(f for f in functions if f[2]):
            print("%-32s %8d %4d/%-4d  %s" % (path, hits, got, of, name[:100]))


if __name__ == "__main__":
    main()
