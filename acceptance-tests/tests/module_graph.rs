//! No module imports a module that imports it back, in the provider's `src/` or in the emulator crate.
//!
//! Why: a cycle means neither module can be read, tested or moved without the other, and cycles grow
//! (the emulator's `codedeploy` and `lifecycle` once shared one event list through each other). This
//! test is the judge: it builds a file-level module graph from the sources and fails listing every
//! strongly connected component larger than one file, with the references that close it.
//!
//! The scan is deliberately rough and std-only. Comments and literals are blanked, then a module
//! `A` depends on `B` when `A` names a path into `B`: `crate::…`, `super::…`, `self::…`, a child
//! declared by `mod child;` (`child::f()`), or an alias brought in by `use` (`use crate::x::{self}`
//! then `x::y::f()`). A path resolves to the longest prefix that is a module file. `mod child;` is a
//! declaration, not an import; inline `mod tests { use super::*; }` stays inside its file.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

#[test]
fn the_emulator_crate_has_no_import_cycles() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("emulator/src");
    assert_no_cycles(&root)
}

#[test]
fn the_provider_src_has_no_import_cycles() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../src");
    assert_no_cycles(&root)
}

/// The scanner can fail: a two-file cycle and a three-file cycle in a synthetic tree are found, and
/// references it must not count (comments, strings, `mod` lines, a test module's `super::*`) are not.
#[test]
fn the_scanner_finds_cycles_in_a_synthetic_tree() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let files = [
        (
            "lib.rs",
            "mod a;\nmod b;\nmod ring;\nmod quiet;\npub use quiet::Q;\n",
        ),
        ("a.rs", "use crate::b::B;\npub struct A;\n"),
        (
            "b.rs",
            "pub struct B;\nfn f() -> super::a::A { super::a::A }\n",
        ),
        (
            "ring/mod.rs",
            "mod x;\nmod y;\nmod z;\npub fn start() { x::go() }\n",
        ),
        ("ring/x.rs", "pub fn go() { super::y::go() }\n"),
        (
            "ring/y.rs",
            "use crate::ring::z;\npub fn go() { z::go() }\n",
        ),
        ("ring/z.rs", "pub fn go() { crate::ring::start() }\n"),
        (
            "quiet.rs",
            "//! Mentions crate::a::A only in a comment.\n\
             pub struct Q;\n\
             const S: &str = \"crate::b::B\";\n\
             /* crate::a::A */\n\
             #[cfg(test)]\nmod tests { use super::*; #[test] fn t() { let _ = Q; } }\n",
        ),
    ];
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, text)?;
    }
    let cycles = cycles(&graph(dir.path())?);
    let found: Vec<Vec<&str>> = cycles
        .iter()
        .map(|c| c.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        found,
        vec![
            vec!["a.rs", "b.rs"],
            vec!["ring/mod.rs", "ring/x.rs", "ring/y.rs", "ring/z.rs"]
        ]
    );
    Ok(())
}

/// Panics (rather than returning an error) so the report prints without a backtrace.
fn assert_no_cycles(root: &Path) -> anyhow::Result<()> {
    let graph = graph(root)?;
    let cycles = cycles(&graph);
    if cycles.is_empty() {
        return Ok(());
    }
    let mut report = format!(
        "{} import cycle(s) under {}:\n",
        cycles.len(),
        root.display()
    );
    for cycle in &cycles {
        writeln!(report, "- {}", cycle.join(", "))?;
        for from in cycle {
            for (to, (line, path)) in &graph.edges[from] {
                if cycle.contains(to) {
                    writeln!(report, "    {from}:{line} -> {to}  ({})", path.join("::"))?;
                }
            }
        }
    }
    panic!("{report}")
}

/// Files by name (relative to the crate's source root) and, for each, the files it references with
/// the first line and path that does.
struct Graph {
    edges: BTreeMap<String, BTreeMap<String, (usize, Vec<String>)>>,
}

fn graph(root: &Path) -> anyhow::Result<Graph> {
    let mut files = Vec::new();
    collect_rs(root, &mut files)?;
    let has_lib = root.join("lib.rs").exists();
    // module path → file name
    let mut modules: BTreeMap<Vec<String>, String> = BTreeMap::new();
    for file in &files {
        let rel = file.strip_prefix(root)?;
        let name = rel.to_string_lossy().replace('\\', "/");
        // A binary root beside lib.rs is its own crate: it reaches the library by crate name only.
        if has_lib && name == "main.rs" {
            continue;
        }
        modules.insert(module_path(&name), name);
    }
    let mut edges = BTreeMap::new();
    for (module, name) in &modules {
        let text = strip_comments_and_literals(&fs::read_to_string(root.join(name))?);
        let mut out: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
        for (line, path) in references(module, &tokens(&text), &modules) {
            if let Some(target) = resolve(&path, &modules) {
                if &target != name {
                    let named = ["crate".to_string()].into_iter().chain(path).collect();
                    out.entry(target.clone()).or_insert((line, named));
                }
            }
        }
        edges.insert(name.clone(), out);
    }
    Ok(Graph { edges })
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_rs(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// `services/mod.rs` → `[services]`, `lib.rs` → `[]`, `a/b.rs` → `[a, b]`.
fn module_path(name: &str) -> Vec<String> {
    let mut parts: Vec<String> = name.split('/').map(str::to_string).collect();
    let last = parts.pop().unwrap_or_default();
    if !matches!(last.as_str(), "mod.rs" | "lib.rs" | "main.rs") {
        parts.push(last.trim_end_matches(".rs").to_string());
    }
    parts
}

/// The file holding the longest module-path prefix of an absolute path.
fn resolve(path: &[String], modules: &BTreeMap<Vec<String>, String>) -> Option<String> {
    (0..=path.len())
        .rev()
        .find_map(|n| modules.get(&path[..n]).cloned())
}

/// Blanks comments, string and char literals (keeping newlines, so line numbers hold).
fn strip_comments_and_literals(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, s: &[char]| {
        out.extend(s.iter().map(|&ch| if ch == '\n' { '\n' } else { ' ' }));
    };
    let mut i = 0;
    while i < c.len() {
        let rest = &c[i..];
        let start = i;
        if rest.starts_with(&['/', '/']) {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if rest.starts_with(&['/', '*']) {
            let mut depth = 0;
            while i < c.len() {
                if c[i..].starts_with(&['/', '*']) {
                    depth += 1;
                    i += 2;
                } else if c[i..].starts_with(&['*', '/']) {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if let Some(hashes) = raw_string_start(rest, c.get(i.wrapping_sub(1))) {
            // r"…", r#"…"#, br#"…"#: ends at a quote followed by the same number of hashes.
            i += rest.iter().position(|&ch| ch == '"').unwrap_or(0) + 1;
            while i < c.len()
                && !(c[i] == '"' && c[i + 1..].iter().take_while(|&&h| h == '#').count() >= hashes)
            {
                i += 1;
            }
            i = (i + 1 + hashes).min(c.len());
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i = (i + 1).min(c.len());
        } else if c[i] == '\'' && rest.get(1) == Some(&'\\') {
            i += 3; // the quote, the backslash and the escaped character
            while i < c.len() && c[i] != '\'' {
                i += 1;
            }
            i = (i + 1).min(c.len());
        } else if c[i] == '\'' && rest.get(2) == Some(&'\'') {
            i += 3;
        } else {
            out.push(c[i]);
            i += 1;
            continue;
        }
        blank(&mut out, &c[start..i.min(c.len())]);
    }
    out
}

/// The number of hashes when `rest` opens a raw (byte) string, not inside an identifier.
fn raw_string_start(rest: &[char], before: Option<&char>) -> Option<usize> {
    if before.is_some_and(|b| b.is_alphanumeric() || *b == '_') {
        return None;
    }
    let after_prefix = match rest {
        ['r', tail @ ..] => tail,
        ['b', 'r', tail @ ..] => tail,
        _ => return None,
    };
    let hashes = after_prefix.iter().take_while(|&&h| h == '#').count();
    (after_prefix.get(hashes) == Some(&'"')).then_some(hashes)
}

/// A token and its line: identifiers, `::`, and single punctuation characters.
fn tokens(text: &str) -> Vec<(usize, String)> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((line, c[start..i].iter().collect()));
        } else if c[i..].starts_with(&[':', ':']) {
            out.push((line, "::".to_string()));
            i += 2;
        } else {
            out.push((line, ch.to_string()));
            i += 1;
        }
    }
    out
}

fn is_ident(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|ch| ch.is_alphabetic() || ch == '_')
}

/// The absolute paths a file names, with their lines. `module` is the file's module path.
fn references(
    module: &[String],
    toks: &[(usize, String)],
    modules: &BTreeMap<Vec<String>, String>,
) -> Vec<(usize, Vec<String>)> {
    // Inline `mod name {` blocks: the scope (module path) at each token.
    let mut scopes = Vec::with_capacity(toks.len());
    let mut stack: Vec<(usize, String)> = Vec::new(); // (brace depth it opened at, name)
    let mut depth = 0usize;
    for (i, (_, t)) in toks.iter().enumerate() {
        let mut scope = module.to_vec();
        scope.extend(stack.iter().map(|(_, n)| n.clone()));
        scopes.push(scope);
        match t.as_str() {
            "{" => {
                let opens_mod = i >= 2 && toks[i - 2].1 == "mod" && is_ident(&toks[i - 1].1);
                if opens_mod {
                    stack.push((depth, toks[i - 1].1.clone()));
                }
                depth += 1;
            }
            "}" => {
                depth = depth.saturating_sub(1);
                if stack.last().is_some_and(|(d, _)| *d == depth) {
                    stack.pop();
                }
            }
            _ => {}
        }
    }

    // `use` trees first: their paths, and the names they bind to whole modules.
    let mut out = Vec::new();
    let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut in_use = vec![false; toks.len()];
    let mut i = 0;
    while i < toks.len() {
        if toks[i].1 == "use" && (i == 0 || toks[i - 1].1 != "::") {
            let end = (i..toks.len())
                .find(|&j| toks[j].1 == ";")
                .unwrap_or(toks.len());
            in_use[i..end].fill(true);
            let mut pos = i + 1;
            for (path, bound) in use_tree(&toks[..end], &mut pos, Vec::new()) {
                if let Some(abs) = absolute(&path, &scopes[i], &aliases, modules) {
                    if modules.contains_key(&abs) {
                        aliases.insert(bound, abs.clone());
                    }
                    out.push((toks[i].0, abs));
                }
            }
            i = end;
        }
        i += 1;
    }

    // Then every other path `a::b::c` (at least one `::`, not a visibility like `pub(in crate::x)`).
    let mut i = 0;
    while i < toks.len() {
        let starts_path = !in_use[i]
            && is_ident(&toks[i].1)
            && toks.get(i + 1).is_some_and(|t| t.1 == "::")
            && (i == 0 || !matches!(toks[i - 1].1.as_str(), "::" | "$" | "in"));
        if !starts_path {
            i += 1;
            continue;
        }
        let mut path = vec![toks[i].1.clone()];
        let mut j = i + 1;
        while j + 1 < toks.len() && toks[j].1 == "::" && is_ident(&toks[j + 1].1) {
            path.push(toks[j + 1].1.clone());
            j += 2;
        }
        if let Some(abs) = absolute(&path, &scopes[i], &aliases, modules) {
            out.push((toks[i].0, abs));
        }
        i = j;
    }
    out
}

/// Expands a use tree from `toks[*pos]` into (path, the name it binds) pairs.
fn use_tree(
    toks: &[(usize, String)],
    pos: &mut usize,
    prefix: Vec<String>,
) -> Vec<(Vec<String>, String)> {
    let mut path = prefix;
    let mut out = Vec::new();
    while *pos < toks.len() {
        let t = toks[*pos].1.as_str();
        *pos += 1;
        match t {
            "::" => {}
            "{" => {
                loop {
                    out.extend(use_tree(toks, pos, path.clone()));
                    match toks.get(*pos).map(|t| t.1.as_str()) {
                        Some(",") => *pos += 1,
                        Some("}") => {
                            *pos += 1;
                            break;
                        }
                        _ => break,
                    }
                }
                return out;
            }
            "*" => {
                out.push((path, "*".to_string()));
                return out;
            }
            "as" => {
                let bound = toks.get(*pos).map(|t| t.1.clone()).unwrap_or_default();
                *pos += 1;
                out.push((path, bound));
                return out;
            }
            "," | "}" => {
                *pos -= 1;
                break;
            }
            "self" if !path.is_empty() => {}
            ident if is_ident(ident) => path.push(ident.to_string()),
            _ => {}
        }
    }
    if let Some(last) = path.last().cloned() {
        out.push((path, last));
    }
    out
}

/// A path made absolute from `scope`, or `None` when it leaves the crate (std, dependencies, locals).
fn absolute(
    path: &[String],
    scope: &[String],
    aliases: &BTreeMap<String, Vec<String>>,
    modules: &BTreeMap<Vec<String>, String>,
) -> Option<Vec<String>> {
    let first = path.first()?;
    let (mut abs, rest) = match first.as_str() {
        "crate" => (Vec::new(), &path[1..]),
        "self" => (scope.to_vec(), &path[1..]),
        "super" => {
            let supers = path.iter().take_while(|s| *s == "super").count();
            let keep = scope.len().checked_sub(supers)?;
            (scope[..keep].to_vec(), &path[supers..])
        }
        name => {
            let mut child = scope.to_vec();
            child.push(name.to_string());
            if modules.contains_key(&child) {
                (scope.to_vec(), path)
            } else {
                (aliases.get(name)?.clone(), &path[1..])
            }
        }
    };
    abs.extend(rest.iter().cloned());
    Some(abs)
}

/// Strongly connected components with more than one file, each sorted, in file order.
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    let reach = |from: &String| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for next in graph.edges.get(&n).into_iter().flat_map(|e| e.keys()) {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reachable: BTreeMap<&String, BTreeSet<String>> =
        graph.edges.keys().map(|n| (n, reach(n))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for (n, from_n) in &reachable {
        if done.contains(*n) {
            continue;
        }
        let component: Vec<String> = reachable
            .iter()
            .filter(|(m, from_m)| from_n.contains(**m) && from_m.contains(*n))
            .map(|(m, _)| (*m).clone())
            .collect();
        done.extend(component.iter().cloned());
        if component.len() > 1 {
            out.push(component);
        }
    }
    out
}
