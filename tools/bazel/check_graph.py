#!/usr/bin/env python3
"""Static coverage and label check of mapcore's Bazel graph (no Bazel needed).

Bazel itself cannot run here (no module registry), so this script reads every
BUILD.bazel file (Starlark parses as Python) and checks what a `bazel build`
would otherwise catch first, plus the repository's own coverage rules:

  labels    every label or file named in a BUILD file, in MODULE.bazel and in
            `# gazelle:resolve` directives exists: `//pkg:name` / `:name` /
            `name` resolve to a rule of that package or to a file inside it
            (not inside a subpackage); `@repo//...` labels are external and
            skipped. Rules referenced from another package must be visible to
            it. Globs that match nothing need allow_empty = True.
  rust      every .rs file under rust/src is in the srcs of every crate target
            (rust_static_library, rust_shared_library, rust_library), and every
            file the crate embeds (include_bytes!/include_str!) is in the
            target's compile_data; so is every file a rust_test's own srcs
            embed (the fuzz replay's fuzz/src/entries.rs).
  go        every directory with Go files has a BUILD.bazel with the Go rules
            for them (go_library/go_binary for sources, go_test for tests);
            every .go file is in some rule's srcs; a package that uses cgo
            (`import "C"`) has cgo = True and the C API library in cdeps.
  c tests   every tests/**/test_*.c has a cc_test (or mapcore_c_test) target.
  shared    a test whose sources read ../shared (MAPCORE_SHARED) is tagged
            "manual" and inherits MAPCORE_SHARED, so `bazel test //...` stays
            hermetic.
  versions  the crate targets' edition/version and MODULE.bazel's Rust
            toolchain follow rust/Cargo.toml (edition, version, rust-version);
            the pinned Go SDK is at least go.mod's `go` version.

Usage: tools/bazel/check_graph.py [repo_root]   (default: current directory)
Exit status 0 when clean, 1 with one line per problem otherwise.
"""

import ast
import fnmatch
import os
import re
import sys

# Directories outside the Bazel workspace besides those in .bazelignore.
ALWAYS_SKIP = {".git"}

# The one C API target that C tests and cgo packages link.
C_API_LABEL = "//rust:mapcore"

# Rule attributes whose values are labels (or lists/dicts of labels).
LABEL_ATTRS = {
    "actual",
    "cdeps",
    "compile_data",
    "crate",
    "crate_root",
    "data",
    "deps",
    "embed",
    "embedsrcs",
    "hdrs",
    "implementation_deps",
    "library",
    "proc_macro_deps",
    "srcs",
    "targets",
    "tests",
    "textual_hdrs",
}

CRATE_KINDS = {"rust_static_library", "rust_shared_library", "rust_library"}
TEST_KINDS = {"cc_test", "go_test", "rust_test", "sh_test", "py_test", "mapcore_c_test"}

# Macros defined in this repository: kind -> function(rule) returning the
# attributes the macro fills in, so they are checked like the real rule's.
def _mapcore_c_test(rule):
    name = rule.attrs.get("name", "")
    implied = {
        "srcs": [name + ".c"] + list(rule.attrs.get("srcs", [])),
        "deps": [":harness", C_API_LABEL] + list(rule.attrs.get("deps", [])),
    }
    if rule.attrs.get("shared"):
        implied["tags"] = ["manual"] + list(rule.attrs.get("tags", []))
        implied["env_inherit"] = ["MAPCORE_SHARED"] + list(rule.attrs.get("env_inherit", []))
    return implied


MACROS = {"mapcore_c_test": _mapcore_c_test}

# Functions from external repositories whose results are external labels.
EXTERNAL_CALLS = {"aliases", "all_crate_deps", "crate_deps"}


class Problem(Exception):
    pass


class Rule:
    def __init__(self, kind, attrs, pkg, lineno):
        self.kind = kind
        self.attrs = attrs
        self.pkg = pkg
        self.lineno = lineno

    @property
    def name(self):
        return self.attrs.get("name")

    def label(self):
        return "//%s:%s" % (self.pkg, self.name)


class Package:
    def __init__(self, path, build_file):
        self.path = path  # relative to root, "" for the root package
        self.build_file = build_file
        self.rules = {}
        self.default_visibility = ["//visibility:private"]
        self.exported_files = set()
        self.loads = []  # (label, lineno)
        self.directives = []  # (text, lineno)
        self.label_refs = []  # (rule, attr, label)


class Checker:
    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.problems = []
        self.packages = {}
        self.glob_cache = {}
        self.bazelignore = set()
        ignore_file = os.path.join(self.root, ".bazelignore")
        if os.path.isfile(ignore_file):
            with open(ignore_file, encoding="utf-8") as f:
                for line in f:
                    line = line.split("#", 1)[0].strip().strip("/")
                    if line:
                        self.bazelignore.add(line)

    # ---- reporting ---------------------------------------------------------
    def problem(self, where, msg):
        self.problems.append("%s: %s" % (where, msg))

    # ---- file system -------------------------------------------------------
    def abspath(self, rel):
        return os.path.join(self.root, rel) if rel else self.root

    def walk(self):
        """Yields (reldir, dirnames, filenames), pruning build outputs."""
        for dirpath, dirnames, filenames in os.walk(self.root):
            rel = os.path.relpath(dirpath, self.root)
            rel = "" if rel == "." else rel
            dirnames[:] = sorted(d for d in dirnames if not self.ignored(os.path.join(rel, d) if rel else d))
            yield rel, dirnames, sorted(filenames)

    def ignored(self, reldir):
        """Outside the workspace: .bazelignore entries, .git, bazel-* output links."""
        if reldir in ALWAYS_SKIP or reldir in self.bazelignore:
            return True
        return "/" not in reldir and reldir.startswith("bazel-")

    def build_file_of(self, reldir):
        for name in ("BUILD.bazel", "BUILD"):
            p = os.path.join(self.abspath(reldir), name)
            if os.path.isfile(p):
                return p
        return None

    def owning_package(self, relfile):
        """The package (dir with a BUILD file) that owns a file path."""
        d = os.path.dirname(relfile)
        while True:
            if d in self.packages:
                return d
            if not d:
                return None
            d = os.path.dirname(d)

    # ---- globbing ----------------------------------------------------------
    def glob(self, pkg, includes, excludes):
        """Bazel glob: files under pkg, not descending into subpackages."""
        files = self.glob_cache.get(pkg)
        if files is None:
            files = []
            base = self.abspath(pkg)
            for dirpath, dirnames, filenames in os.walk(base):
                rel = os.path.relpath(dirpath, base)
                rel = "" if rel == "." else rel
                keep = []
                for d in dirnames:
                    sub = os.path.join(rel, d)
                    full = os.path.join(pkg, sub) if pkg else sub
                    if self.ignored(full):
                        continue
                    if self.build_file_of(full):
                        continue  # subpackage: globs stop here
                    keep.append(d)
                dirnames[:] = keep
                for f in filenames:
                    files.append(os.path.join(rel, f) if rel else f)
            files.sort()
            self.glob_cache[pkg] = files

        def match(pattern, path):
            return seg_match(pattern.split("/"), path.split("/"))

        out = []
        for f in files:
            if any(match(p, f) for p in includes) and not any(match(p, f) for p in excludes):
                out.append(f)
        return out

    # ---- Starlark evaluation -----------------------------------------------
    def evaluate(self, node, env, pkg, where):
        ev = lambda n: self.evaluate(n, env, pkg, where)  # noqa: E731
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple)):
            return [ev(e) for e in node.elts]
        if isinstance(node, ast.Dict):
            return {ev(k): ev(v) for k, v in zip(node.keys, node.values)}
        if isinstance(node, ast.Name):
            if node.id in env:
                return env[node.id]
            if node.id in ("True", "False", "None"):
                return {"True": True, "False": False, "None": None}[node.id]
            raise Problem("%s: unknown name %r" % (where, node.id))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = ev(node.left), ev(node.right)
            if isinstance(left, Select) or isinstance(right, Select):
                return Select(flatten(left) + flatten(right))
            return left + right
        if isinstance(node, ast.Call):
            fname = call_name(node)
            args = [ev(a) for a in node.args]
            kwargs = {k.arg: ev(k.value) for k in node.keywords if k.arg}
            if fname == "glob":
                includes = args[0] if args else kwargs.get("include", [])
                excludes = kwargs.get("exclude", args[1] if len(args) > 1 else [])
                result = self.glob(pkg, includes, excludes)
                if not result and not kwargs.get("allow_empty", False):
                    self.problem(
                        where,
                        "glob(%r) matches no files; Bazel fails on empty globs unless "
                        "allow_empty = True" % (includes,),
                    )
                return result
            if fname == "select":
                return Select(flatten(list(args[0].values())))
            if fname == "Label":
                return args[0]
            if fname in EXTERNAL_CALLS:
                return External()
            raise Problem("%s: call to %s() that this checker cannot evaluate" % (where, fname))
        raise Problem(
            "%s: unsupported construct %s (keep BUILD files declarative: literals, "
            "glob, select, +)" % (where, type(node).__name__)
        )

    # ---- loading packages --------------------------------------------------
    def load_packages(self):
        for rel, _, filenames in self.walk():
            if "BUILD.bazel" in filenames or "BUILD" in filenames:
                bf = os.path.join(self.abspath(rel), "BUILD.bazel" if "BUILD.bazel" in filenames else "BUILD")
                self.packages[rel] = Package(rel, bf)
        for pkg in sorted(self.packages.values(), key=lambda p: p.path):
            self.parse_package(pkg)

    def parse_package(self, pkg):
        relbf = os.path.relpath(pkg.build_file, self.root)
        with open(pkg.build_file, encoding="utf-8") as f:
            text = f.read()
        for i, line in enumerate(text.splitlines(), 1):
            m = re.match(r"\s*#\s*gazelle:(\S+)\s*(.*)", line)
            if m:
                pkg.directives.append((m.group(1), m.group(2).strip(), i))
        try:
            tree = ast.parse(text, filename=relbf)
        except SyntaxError as e:
            self.problem(relbf, "syntax error: %s" % e)
            return
        env = {}
        for stmt in tree.body:
            where = "%s:%d" % (relbf, stmt.lineno)
            try:
                if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                    continue  # docstring
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                    env[stmt.targets[0].id] = self.evaluate(stmt.value, env, pkg.path, where)
                    continue
                if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                    call = stmt.value
                    kind = call_name(call)
                    if kind == "load":
                        label = self.evaluate(call.args[0], env, pkg.path, where)
                        pkg.loads.append((label, stmt.lineno))
                        for a in call.args[1:]:
                            env[self.evaluate(a, env, pkg.path, where)] = None
                        for k in call.keywords:
                            env[k.arg] = None
                        continue
                    kwargs = {}
                    for k in call.keywords:
                        if k.arg is None:
                            raise Problem("%s: **kwargs in a rule call" % where)
                        kwargs[k.arg] = self.evaluate(k.value, env, pkg.path, where)
                    args = [self.evaluate(a, env, pkg.path, where) for a in call.args]
                    if kind == "package":
                        if "default_visibility" in kwargs:
                            pkg.default_visibility = kwargs["default_visibility"]
                        continue
                    if kind == "exports_files":
                        files = args[0] if args else kwargs.get("srcs", [])
                        for f in files:
                            pkg.exported_files.add(f)
                            self.check_file_in_package(pkg, f, where)
                        continue
                    if kind == "licenses":
                        continue
                    if "name" not in kwargs:
                        raise Problem("%s: %s() without name" % (where, kind))
                    rule = Rule(kind, kwargs, pkg.path, stmt.lineno)
                    if kind in MACROS:
                        rule.attrs.update(MACROS[kind](rule))
                    if rule.name in pkg.rules:
                        self.problem(where, "duplicate target name %r" % rule.name)
                    pkg.rules[rule.name] = rule
                    continue
                raise Problem("%s: unsupported statement %s" % (where, type(stmt).__name__))
            except Problem as e:
                self.problems.append(str(e))

    def check_file_in_package(self, pkg, relname, where):
        path = os.path.join(pkg.path, relname) if pkg.path else relname
        if not os.path.exists(self.abspath(path)):
            self.problem(where, "file %r does not exist (%s)" % (relname, path))
            return False
        owner = self.owning_package(path)
        if owner != pkg.path:
            self.problem(
                where,
                "%r crosses into package //%s; refer to a target there instead" % (relname, owner),
            )
            return False
        return True

    # ---- labels ------------------------------------------------------------
    def split_label(self, label, from_pkg):
        """Returns (package, name) or None for external labels."""
        if label.startswith("@"):
            if label.startswith("@//"):
                label = label[1:]
            else:
                return None
        if label.startswith("//"):
            body = label[2:]
            if ":" in body:
                p, n = body.split(":", 1)
            else:
                p, n = body, os.path.basename(body)
            return p, n
        if label.startswith(":"):
            return from_pkg, label[1:]
        return from_pkg, label

    def resolve(self, label, from_pkg, where, files_only=False):
        """Checks that a label exists; returns ("rule", Rule) / ("file", path) / None."""
        if not isinstance(label, str):
            self.problem(where, "expected a label string, got %r" % (label,))
            return None
        parts = self.split_label(label, from_pkg)
        if parts is None:
            return None
        p, n = parts
        pkg = self.packages.get(p)
        if pkg is None:
            self.problem(where, "%r: no package //%s (no BUILD.bazel in %s/)" % (label, p, p or "."))
            return None
        if not files_only and n in pkg.rules:
            rule = pkg.rules[n]
            if p != from_pkg and not self.visible(rule, from_pkg):
                self.problem(
                    where,
                    "%r is not visible to //%s (add it to the target's visibility)" % (label, from_pkg),
                )
            return ("rule", rule)
        path = os.path.join(p, n) if p else n
        if os.path.isfile(self.abspath(path)):
            if self.owning_package(path) != p:
                self.problem(where, "%r: file %s belongs to package //%s" % (label, path, self.owning_package(path)))
                return None
            return ("file", path)
        what = "file" if files_only else "target or file"
        self.problem(where, "%r: no %s %r in //%s" % (label, what, n, p))
        return None

    def visible(self, rule, from_pkg):
        vis = rule.attrs.get("visibility")
        if vis is None:
            vis = self.packages[rule.pkg].default_visibility
        for v in vis:
            if v == "//visibility:public":
                return True
            parts = self.split_label(v, rule.pkg)
            if parts is None:
                continue
            p, n = parts
            if n == "__pkg__" and p == from_pkg:
                return True
            if n == "__subpackages__" and (from_pkg == p or from_pkg.startswith(p + "/") or p == ""):
                return True
        return False

    def files_of(self, label, from_pkg, seen=None):
        """The source files a label stands for (filegroups expanded)."""
        seen = seen or set()
        parts = self.split_label(label, from_pkg)
        if parts is None:
            return set()
        p, n = parts
        pkg = self.packages.get(p)
        if pkg is None:
            return set()
        if n in pkg.rules:
            key = (p, n)
            if key in seen:
                return set()
            seen.add(key)
            rule = pkg.rules[n]
            out = set()
            if rule.kind == "filegroup":
                for s in flatten(rule.attrs.get("srcs", [])):
                    out |= self.files_of(s, p, seen)
            return out
        path = os.path.join(p, n) if p else n
        return {path} if os.path.isfile(self.abspath(path)) else set()

    def check_labels(self):
        for pkg in self.packages.values():
            relbf = os.path.relpath(pkg.build_file, self.root)
            for label, lineno in pkg.loads:
                where = "%s:%d" % (relbf, lineno)
                parts = self.split_label(label, pkg.path)
                if parts is None:
                    continue
                p, n = parts
                if p not in self.packages:
                    self.problem(where, "load(%r): no package //%s" % (label, p))
                elif not os.path.isfile(self.abspath(os.path.join(p, n))):
                    self.problem(where, "load(%r): no file %s" % (label, os.path.join(p, n)))
            for kind, value, lineno in pkg.directives:
                if kind == "resolve":
                    fields = value.split()
                    if len(fields) >= 3:
                        self.resolve(fields[-1], pkg.path, "%s:%d (gazelle:resolve)" % (relbf, lineno))
            for rule in pkg.rules.values():
                where = "%s:%d (%s %s)" % (relbf, rule.lineno, rule.kind, rule.name)
                for attr, value in sorted(rule.attrs.items()):
                    if attr not in LABEL_ATTRS:
                        continue
                    for label in flatten(value):
                        if isinstance(label, External):
                            continue
                        before = len(self.problems)
                        self.resolve(label, pkg.path, where)
                        if len(self.problems) > before and rule.kind == "go_test" and attr == "embed":
                            libs = [r.name for r in pkg.rules.values() if r.kind == "go_library"]
                            if libs:
                                self.problems[-1] += (
                                    "; the package's go_library is :%s, so write "
                                    'embed = [":%s"],  # keep' % (libs[0], libs[0])
                                )

    def check_module_file(self):
        mf = self.abspath("MODULE.bazel")
        if not os.path.isfile(mf):
            self.problem("MODULE.bazel", "missing")
            return
        with open(mf, encoding="utf-8") as f:
            tree = ast.parse(f.read(), filename="MODULE.bazel")
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                v = node.value
                if v.startswith("//") or (v.startswith(":") and len(v) > 1):
                    self.resolve(v, "", "MODULE.bazel:%d" % node.lineno, files_only=True)

    # ---- coverage: Rust ----------------------------------------------------
    def check_rust(self):
        pkg = self.packages.get("rust")
        if pkg is None:
            self.problem("rust/", "no rust/BUILD.bazel")
            return
        relbf = os.path.relpath(pkg.build_file, self.root)
        crates = [r for r in pkg.rules.values() if r.kind in CRATE_KINDS]
        if not any(r.kind == "rust_static_library" for r in crates):
            self.problem(relbf, "no rust_static_library for the C ABI library")
        rs_files = []
        for rel, _, filenames in self.walk():
            if rel == "rust/src" or rel.startswith("rust/src/"):
                rs_files += [os.path.join(rel, f) for f in filenames if f.endswith(".rs")]
        embeds = self.rust_embeds(rs_files)
        for rule in crates:
            where = "%s:%d (%s %s)" % (relbf, rule.lineno, rule.kind, rule.name)
            srcs = set()
            for s in flatten(rule.attrs.get("srcs", [])):
                srcs |= self.files_of(s, "rust")
            missing = [f for f in rs_files if f not in srcs]
            for f in missing:
                self.problem(where, "Rust source %s is not in srcs (not reachable by the crate target)" % f)
            root = rule.attrs.get("crate_root")
            if root and os.path.join("rust", root) not in srcs:
                self.problem(where, "crate_root %s is not in srcs" % root)
            data = set()
            for s in flatten(rule.attrs.get("compile_data", [])):
                data |= self.files_of(s, "rust")
            self.check_embeds(where, embeds, srcs, data)
        # Tests built from sources of their own (the fuzz replay compiles
        # fuzz/src/entries.rs): what those sources embed.
        for rule in pkg.rules.values():
            if rule.kind != "rust_test" or not rule.attrs.get("srcs"):
                continue
            where = "%s:%d (%s %s)" % (relbf, rule.lineno, rule.kind, rule.name)
            srcs, data = set(), set()
            for s in flatten(rule.attrs.get("srcs", [])):
                srcs |= self.files_of(s, "rust")
            for s in flatten(rule.attrs.get("compile_data", [])):
                data |= self.files_of(s, "rust")
            own = sorted(f for f in srcs if f.endswith(".rs") and os.path.isfile(self.abspath(f)))
            self.check_embeds(where, self.rust_embeds(own), srcs, data)

    def check_embeds(self, where, embeds, srcs, data):
        """Every embedded file exists and is in the target's compile_data
        (or srcs)."""
        for src, target in embeds:
            if not os.path.isfile(self.abspath(target)):
                self.problem(src, "embeds %s, which does not exist" % target)
            elif target not in data and target not in srcs:
                self.problem(
                    where,
                    "%s embeds %s, which is not in compile_data (use a glob or a filegroup label)"
                    % (src, target),
                )

    def rust_embeds(self, rs_files):
        """(source, embedded file) pairs from include_bytes!/include_str!."""
        out = []
        lit = re.compile(r'include_(?:bytes|str)!\s*\(\s*"([^"]+)"\s*\)')
        manifest = re.compile(
            r'include_(?:bytes|str)!\s*\(\s*concat!\s*\(\s*env!\s*\(\s*"CARGO_MANIFEST_DIR"\s*\)\s*,\s*"([^"]+)"\s*\)\s*\)'
        )
        for f in rs_files:
            with open(self.abspath(f), encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            for m in lit.finditer(text):
                out.append((f, os.path.normpath(os.path.join(os.path.dirname(f), m.group(1)))))
            for m in manifest.finditer(text):
                out.append((f, os.path.normpath(os.path.join("rust", m.group(1).lstrip("/")))))
        return out

    # ---- coverage: Go ------------------------------------------------------
    def check_go(self):
        excluded = set()
        root_pkg = self.packages.get("")
        if root_pkg:
            for kind, value, _ in root_pkg.directives:
                if kind == "exclude":
                    excluded.add(value.strip("/"))
        for rel, dirnames, filenames in self.walk():
            if any(rel == e or rel.startswith(e + "/") for e in excluded):
                dirnames[:] = []
                continue
            parts = rel.split("/") if rel else []
            if "testdata" in parts or any(p.startswith(("_", ".")) for p in parts) or "vendor" in parts:
                continue
            gofiles = [f for f in filenames if f.endswith(".go")]
            if not gofiles:
                continue
            pkg = self.packages.get(rel)
            if pkg is None:
                self.problem(rel + "/", "Go package without BUILD.bazel (run gazelle)")
                continue
            relbf = os.path.relpath(pkg.build_file, self.root)
            go_rules = [r for r in pkg.rules.values() if r.kind in ("go_library", "go_binary", "go_test")]
            covered = set()
            for r in go_rules:
                for s in flatten(r.attrs.get("srcs", [])):
                    covered.add(s)
            srcs = [f for f in gofiles if not f.endswith("_test.go")]
            tests = [f for f in gofiles if f.endswith("_test.go")]
            if srcs and not any(r.kind in ("go_library", "go_binary") for r in go_rules):
                self.problem(relbf, "Go sources %s but no go_library/go_binary" % ", ".join(srcs))
            if tests and not any(r.kind == "go_test" for r in go_rules):
                self.problem(relbf, "Go tests %s but no go_test" % ", ".join(tests))
            for f in gofiles:
                if f not in covered and not self.go_build_ignored(os.path.join(rel, f)):
                    self.problem(relbf, "%s is in no Go rule's srcs" % f)
            cgo_files = [f for f in srcs if self.uses_cgo(os.path.join(rel, f))]
            if cgo_files:
                libs = [r for r in go_rules if r.kind == "go_library" and set(flatten(r.attrs.get("srcs", []))) & set(cgo_files)]
                for r in libs:
                    where = "%s:%d (go_library %s)" % (relbf, r.lineno, r.name)
                    if r.attrs.get("cgo") is not True:
                        self.problem(where, "uses cgo (%s) but cgo = True is not set" % ", ".join(cgo_files))
                    cdeps = [self.canonical(c, rel) for c in flatten(r.attrs.get("cdeps", []))]
                    if any(self.includes_c_api(os.path.join(rel, f)) for f in cgo_files) and "//rust:mapcore" not in cdeps:
                        self.problem(where, "uses cgo but cdeps does not include %s (the C API library)" % C_API_LABEL)

    def canonical(self, label, from_pkg):
        parts = self.split_label(label, from_pkg) if isinstance(label, str) else None
        return "//%s:%s" % parts if parts else label

    def uses_cgo(self, relfile):
        with open(self.abspath(relfile), encoding="utf-8", errors="replace") as f:
            text = f.read()
        return re.search(r'^\s*import\s+(?:\(\s*[^)]*?)?"C"', text, flags=re.M) is not None

    def includes_c_api(self, relfile):
        with open(self.abspath(relfile), encoding="utf-8", errors="replace") as f:
            text = f.read()
        return re.search(r'#\s*include\s*[<"]mapcore', text) is not None

    def go_build_ignored(self, relfile):
        with open(self.abspath(relfile), encoding="utf-8", errors="replace") as f:
            head = f.read(2048)
        return re.search(r"^//go:build ignore\s*$", head, flags=re.M) is not None

    # ---- coverage: C tests -------------------------------------------------
    def check_c_tests(self):
        for rel, _, filenames in self.walk():
            if not (rel == "tests" or rel.startswith("tests/")):
                continue
            for f in filenames:
                if not (f.startswith("test_") and f.endswith(".c")):
                    continue
                path = os.path.join(rel, f)
                owner = self.owning_package(path)
                pkg = self.packages.get(owner) if owner is not None else None
                if pkg is None:
                    self.problem(path, "C test program without a BUILD.bazel in %s/" % rel)
                    continue
                relname = os.path.relpath(path, owner) if owner else path
                if not any(
                    r.kind in ("cc_test", "mapcore_c_test") and relname in flatten(r.attrs.get("srcs", []))
                    for r in pkg.rules.values()
                ):
                    self.problem(
                        os.path.relpath(pkg.build_file, self.root),
                        "C test program %s has no cc_test: add mapcore_c_test(name = %r)"
                        % (path, os.path.splitext(f)[0]),
                    )

    # ---- hermeticity: tests that read ../shared ----------------------------
    def check_shared_tests(self):
        for pkg in self.packages.values():
            relbf = os.path.relpath(pkg.build_file, self.root)
            for rule in pkg.rules.values():
                if rule.kind not in TEST_KINDS:
                    continue
                files = set()
                for s in flatten(rule.attrs.get("srcs", [])):
                    files |= self.files_of(s, pkg.path)
                for e in flatten(rule.attrs.get("embed", [])):
                    before = len(self.problems)
                    r = self.resolve(e, pkg.path, relbf) if isinstance(e, str) else None
                    del self.problems[before:]  # already reported by check_labels
                    if r and r[0] == "rule":
                        for s in flatten(r[1].attrs.get("srcs", [])):
                            files |= self.files_of(s, r[1].pkg)
                gofiles = sorted(f for f in files if f.endswith(".go"))
                readers = sorted(f for f in files if not f.endswith(".go") and self.reads_shared(f))
                readers += self.go_tests_reading_shared(gofiles)
                if not readers:
                    continue
                where = "%s:%d (%s %s)" % (relbf, rule.lineno, rule.kind, rule.name)
                if "manual" not in flatten(rule.attrs.get("tags", [])):
                    self.problem(where, "reads ../shared (%s) but is not tagged \"manual\"" % ", ".join(readers))
                if "MAPCORE_SHARED" not in flatten(rule.attrs.get("env_inherit", [])):
                    self.problem(where, "reads ../shared (%s) but env_inherit lacks MAPCORE_SHARED" % ", ".join(readers))

    def go_tests_reading_shared(self, gofiles):
        """Test/Example/Fuzz functions (and TestMain) that reach ../shared.

        Go benchmarks only run with -test.bench, which `bazel test` does not
        pass, so a benchmark that reads ../shared keeps the go_test hermetic.
        A function "reaches" ../shared if its body names MAPCORE_SHARED or
        ../shared, or calls a function of the package that does.
        """
        funcs = {}  # name -> body
        for f in gofiles:
            with open(self.abspath(f), encoding="utf-8", errors="replace") as fh:
                text = fh.read()
            starts = [m for m in re.finditer(r"^func\s+(?:\([^)]*\)\s*)?([A-Za-z_][A-Za-z0-9_]*)", text, flags=re.M)]
            for i, m in enumerate(starts):
                end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
                funcs.setdefault(m.group(1), "")
                funcs[m.group(1)] += text[m.start():end]
        reach = {n for n, body in funcs.items() if "MAPCORE_SHARED" in body or "../shared" in body}
        changed = True
        while changed:
            changed = False
            for n, body in funcs.items():
                if n not in reach and any(re.search(r"\b%s\s*\(" % re.escape(h), body) for h in reach):
                    reach.add(n)
                    changed = True
        return sorted(n + "()" for n in reach if re.match(r"(Test|Example|Fuzz)", n))

    def reads_shared(self, relfile):
        if not relfile.endswith((".c", ".h", ".go", ".rs", ".py", ".sh")):
            return False
        with open(self.abspath(relfile), encoding="utf-8", errors="replace") as f:
            text = f.read()
        return any(k in text for k in ("MAPCORE_SHARED", "../shared", "shared_dir("))

    # ---- versions: Cargo.toml / go.mod vs the Bazel files -------------------
    def check_versions(self):
        cargo = self.abspath("rust/Cargo.toml")
        pkg = {}
        if os.path.isfile(cargo):
            section = None
            with open(cargo, encoding="utf-8") as f:
                for line in f:
                    m = re.match(r"\s*\[([^\]]+)\]", line)
                    if m:
                        section = m.group(1).strip()
                        continue
                    m = re.match(r'\s*([A-Za-z0-9_-]+)\s*=\s*"([^"]*)"', line)
                    if m and section == "package":
                        pkg[m.group(1)] = m.group(2)
        edition, version, floor = pkg.get("edition"), pkg.get("version"), pkg.get("rust-version")
        rust_pkg = self.packages.get("rust")
        if rust_pkg and edition:
            relbf = os.path.relpath(rust_pkg.build_file, self.root)
            for rule in rust_pkg.rules.values():
                if rule.kind not in CRATE_KINDS:
                    continue
                where = "%s:%d (%s %s)" % (relbf, rule.lineno, rule.kind, rule.name)
                if rule.attrs.get("edition") != edition:
                    self.problem(where, "edition %r, but rust/Cargo.toml says %r" % (rule.attrs.get("edition"), edition))
                if version and rule.attrs.get("version") != version:
                    self.problem(where, "version %r, but rust/Cargo.toml says %r" % (rule.attrs.get("version"), version))
        calls = module_calls(self.abspath("MODULE.bazel"))
        for lineno, kwargs in calls.get("rust.toolchain", []):
            where = "MODULE.bazel:%d (rust.toolchain)" % lineno
            if edition and kwargs.get("edition") != edition:
                self.problem(where, "edition %r, but rust/Cargo.toml says %r" % (kwargs.get("edition"), edition))
            for v in kwargs.get("versions", []):
                if not re.fullmatch(r"\d+\.\d+\.\d+", str(v)):
                    self.problem(where, "Rust version %r is not a pinned release (x.y.z)" % (v,))
                elif floor and vtuple(v) < vtuple(floor):
                    self.problem(where, "Rust %s is older than rust-version %s in rust/Cargo.toml" % (v, floor))
        gomod = self.abspath("go.mod")
        gofloor = None
        if os.path.isfile(gomod):
            with open(gomod, encoding="utf-8") as f:
                m = re.search(r"^go\s+(\d+(?:\.\d+)*)\s*$", f.read(), flags=re.M)
                gofloor = m.group(1) if m else None
        for lineno, kwargs in calls.get("go_sdk.download", []):
            where = "MODULE.bazel:%d (go_sdk.download)" % lineno
            v = kwargs.get("version", "")
            if not re.fullmatch(r"\d+\.\d+\.\d+", str(v)):
                self.problem(where, "Go SDK version %r is not a pinned release (x.y.z)" % (v,))
            elif gofloor and vtuple(v) < vtuple(gofloor):
                self.problem(where, "Go %s is older than `go %s` in go.mod" % (v, gofloor))

    # ---- main --------------------------------------------------------------
    def run(self):
        self.load_packages()
        self.check_labels()
        self.check_module_file()
        self.check_rust()
        self.check_go()
        self.check_c_tests()
        self.check_shared_tests()
        self.check_versions()
        return self.problems


class Select(list):
    """Union of a select()'s branches (all are checked)."""


class External:
    """Labels produced by an external repository's macro (crate deps)."""


def vtuple(v):
    return tuple(int(x) for x in re.findall(r"\d+", v))


def module_calls(path):
    """MODULE.bazel extension tag calls: {"rust.toolchain": [(line, kwargs)]}."""
    out = {}
    if not os.path.isfile(path):
        return out
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), filename="MODULE.bazel")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            key = "%s.%s" % (node.func.value.id, node.func.attr)
            kwargs = {}
            for k in node.keywords:
                try:
                    kwargs[k.arg] = ast.literal_eval(k.value)
                except ValueError:
                    kwargs[k.arg] = None
            out.setdefault(key, []).append((node.lineno, kwargs))
    return out


def seg_match(pat, parts):
    """Bazel glob matching by path segment: `**` spans zero or more segments."""
    if not pat:
        return not parts
    if pat[0] == "**":
        return any(seg_match(pat[1:], parts[i:]) for i in range(len(parts) + 1))
    if not parts:
        return False
    return fnmatch.fnmatchcase(parts[0], pat[0]) and seg_match(pat[1:], parts[1:])


def call_name(call):
    f = call.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return "?"


def flatten(value):
    if value is None:
        return []
    if isinstance(value, External):
        return [value]
    if isinstance(value, dict):
        out = []
        for v in value.values():
            out += flatten(v)
        return out
    if isinstance(value, (list, tuple)):
        out = []
        for v in value:
            out += flatten(v)
        return out
    return [value]


def main(argv):
    root = argv[1] if len(argv) > 1 else "."
    checker = Checker(root)
    problems = checker.run()
    if problems:
        for p in problems:
            print("check_graph: " + p, file=sys.stderr)
        print(
            "check_graph: FAILED with %d problem(s) in the Bazel graph (see tools/bazel/check_graph.py)"
            % len(problems),
            file=sys.stderr,
        )
        return 1
    rules = sum(len(p.rules) for p in checker.packages.values())
    print("check_graph: OK: %d packages, %d targets; labels, Rust/Go/C test coverage, hermetic test tags and versions check out"
          % (len(checker.packages), rules))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
