//! Structure check: the top-level rooms of rust/src (`style`, `source`,
//! `map`, ...) import each other without a circle. A room's imports are the
//! `crate::ROOM` paths in its code (`use` lines, `crate::{a, b}` groups and
//! paths inside expressions) and `super::` chains that climb to the crate root;
//! comments and string literals do not count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

#[derive(Debug, PartialEq)]
enum Tok {
    Ident(String),
    Path,
    Open,
    Close,
    Comma,
    Other,
}

/// Rust tokens that matter for paths: comments, strings and char literals
/// are skipped.
fn tokens(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if ch == 'r' && (next == Some('#') || next == Some('"')) && raw_string_start(&c, i + 1).is_some() {
            let (hashes, body) = raw_string_start(&c, i + 1).expect("checked");
            i = body;
            loop {
                if i >= c.len() {
                    break;
                }
                if c[i] == '"' && (0..hashes).all(|k| c.get(i + 1 + k) == Some(&'#')) {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
        } else if ch == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if ch == '\'' {
            // A char literal ('a', '\n', '\u{..}') or a lifetime ('a).
            if next == Some('\\') {
                i += 2;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            // b"..." and br"..." are strings, not identifiers.
            let word: String = c[start..i].iter().collect();
            if (word == "b" || word == "br") && i < c.len() && (c[i] == '"' || c[i] == '#') {
                continue;
            }
            out.push(Tok::Ident(word));
        } else if ch == ':' && next == Some(':') {
            out.push(Tok::Path);
            i += 2;
        } else {
            out.push(match ch {
                '{' => Tok::Open,
                '}' => Tok::Close,
                ',' => Tok::Comma,
                c if c.is_whitespace() => {
                    i += 1;
                    continue;
                }
                _ => Tok::Other,
            });
            i += 1;
        }
    }
    out
}

/// After an `r` at `c[i - 1]`: `#*"` opens a raw string; returns the number
/// of hashes and where its body starts.
fn raw_string_start(c: &[char], i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    while c.get(j) == Some(&'#') {
        j += 1;
    }
    (c.get(j) == Some(&'"')).then_some((j - i, j + 1))
}

/// The rooms a path starting at `t[i]` (just after `crate::` or a `super::`
/// chain that reached the root) names: one identifier, or each item of a
/// `{a, b::c}` group.
fn named_rooms(t: &[Tok], i: usize, out: &mut BTreeSet<String>) {
    match t.get(i) {
        Some(Tok::Ident(name)) => {
            out.insert(name.clone());
        }
        Some(Tok::Open) => {
            let mut depth = 0;
            let mut expect_item = true;
            for tok in &t[i..] {
                match tok {
                    Tok::Open => {
                        depth += 1;
                        if depth == 1 {
                            expect_item = true;
                        }
                    }
                    Tok::Close => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Tok::Comma if depth == 1 => expect_item = true,
                    Tok::Ident(name) if depth == 1 && expect_item => {
                        out.insert(name.clone());
                        expect_item = false;
                    }
                    _ if depth == 1 => expect_item = false,
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// The crate-level modules a file at module path `module` uses.
fn imports(module: &[String], src: &str) -> BTreeSet<String> {
    let t = tokens(src);
    let mut out = BTreeSet::new();
    // Inline modules (`mod tests { ... }`): their names and the brace depth
    // they opened at.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < t.len() {
        match &t[i] {
            Tok::Open => depth += 1,
            Tok::Close => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            Tok::Ident(w) if w == "mod" => {
                if let (Some(Tok::Ident(name)), Some(Tok::Open)) = (t.get(i + 1), t.get(i + 2)) {
                    inline.push((name.clone(), depth));
                }
            }
            Tok::Ident(w) if w == "crate" && t.get(i + 1) == Some(&Tok::Path) => named_rooms(&t, i + 2, &mut out),
            Tok::Ident(w) if w == "super" && (i == 0 || t[i - 1] != Tok::Path) => {
                let mut ups = 0;
                let mut j = i;
                while t.get(j) == Some(&Tok::Ident("super".into())) && t.get(j + 1) == Some(&Tok::Path) {
                    ups += 1;
                    j += 2;
                }
                let here = module.len() + inline.len();
                if ups > 0 && ups >= here {
                    named_rooms(&t, j, &mut out);
                }
                i = j.max(i + 1);
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The module path of a file below src: `style/expression/mod.rs` is
/// `[style, expression]`, `style/value.rs` is `[style, value]`.
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

/// Room -> rooms it imports, over `files` (path below src, text).
fn graph(files: &[(PathBuf, String)]) -> Graph {
    let rooms: BTreeSet<String> = files.iter().filter_map(|(p, _)| module_path(p).first().cloned()).collect();
    let mut g = Graph::new();
    for (path, text) in files {
        let module = module_path(path);
        let Some(room) = module.first() else { continue };
        let entry = g.entry(room.clone()).or_default();
        for to in imports(&module, text) {
            if &to != room && rooms.contains(&to) {
                entry.insert(to);
            }
        }
    }
    g
}

/// A circle in `g` (its rooms, the first repeated at the end), if any.
fn find_cycle(g: &Graph) -> Option<Vec<String>> {
    fn visit(g: &Graph, node: &str, state: &mut BTreeMap<String, u8>, stack: &mut Vec<String>) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in g.get(node).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|n| n == next).expect("on the stack");
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(g, next, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in g.keys() {
        if state.get(node).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(g, node, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

fn rust_files(dir: &Path, root: &Path, out: &mut Vec<(PathBuf, String)>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).expect("read src").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).expect("read source");
            out.push((path.strip_prefix(root).expect("below src").to_path_buf(), text));
        }
    }
}

#[test]
fn the_rooms_of_rust_src_import_each_other_without_a_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &src, &mut files);
    assert!(files.len() > 50, "found only {} files under {}", files.len(), src.display());
    let g = graph(&files);
    for room in ["ffi", "runtime", "map", "style", "source", "render"] {
        assert!(g.contains_key(room), "room {room} not found in {}", src.display());
    }
    // The edges the design names exist (the scan sees real imports).
    assert!(g["ffi"].contains("runtime") && g["map"].contains("style"), "{g:#?}");
    if let Some(cycle) = find_cycle(&g) {
        let listing: Vec<String> = g.iter().map(|(k, v)| format!("  {k} -> {}", v.iter().cloned().collect::<Vec<_>>().join(" "))).collect();
        panic!("import circle between rooms of rust/src: {}\nall imports:\n{}", cycle.join(" -> "), listing.join("\n"));
    }
}

#[test]
fn the_check_finds_circles_through_groups_and_super_and_ignores_comments_and_strings() {
    let file = |p: &str, s: &str| (PathBuf::from(p), s.to_string());
    // a -> b through a group, b -> c through a path in an expression, and
    // c -> a through a super chain from an inline test module.
    let files = vec![
        file("a/mod.rs", "use crate::{b::X, self as _};\n// use crate::d;\nconst S: &str = \"crate::d\";"),
        file("b/x.rs", "fn f() -> u8 { crate::c::g() }\nconst R: &str = r#\"crate::d\"#; const C: char = '\"';"),
        file("c/mod.rs", "#[cfg(test)]\nmod tests { use super::super::a::Y; }\nfn g() -> u8 { 1 }"),
        file("d.rs", "/* crate::a */ pub fn h<'a>(x: &'a str) -> &'a str { x }"),
    ];
    let g = graph(&files);
    assert_eq!(g["a"], BTreeSet::from(["b".to_string()]));
    assert_eq!(g["b"], BTreeSet::from(["c".to_string()]));
    assert_eq!(g["c"], BTreeSet::from(["a".to_string()]));
    assert!(g["d"].is_empty(), "{g:?}");
    let cycle = find_cycle(&g).expect("a -> b -> c -> a");
    assert_eq!(cycle.first(), cycle.last());
    assert_eq!(cycle.len(), 4, "{cycle:?}");
    // super:: that stays inside the room is no edge; without c -> a, no circle.
    let files = vec![files[0].clone(), files[1].clone(), file("c/mod.rs", "mod inner { use super::g; }\nfn g() {}")];
    let g = graph(&files);
    assert!(g["c"].is_empty(), "{g:?}");
    assert_eq!(find_cycle(&g), None);
}
