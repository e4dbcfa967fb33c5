//! Module layering: no import cycle between the crate's top-level modules (engine, model,
//! scenario, ...), nor between the modules inside `src/scenario/`.
//!
//! The graph is read from the source text, not from the compiler: every `use` (groups such as
//! `use super::{a, b}` included) and every path in code that starts at `crate::`, `super::`,
//! `self::` or a child module is an edge from the file it is written in to the module it names.
//! Comments and the insides of string and character literals are blanked first, so a doc comment
//! that mentions `crate::model` is no dependency. A module's own inline test modules count as
//! the module. `src/main.rs` is another crate (it reaches the library as `cjmh::`) and is not
//! read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A module by its path from the crate root: `["scenario", "pathway", "transfer"]`.
type Module = Vec<String>;

/// Where an edge was seen: file, line and the path as written, for the failure message.
type Evidence = (String, usize, String);

/// Module to module, with where each edge was first seen.
type Graph = BTreeMap<Module, BTreeMap<Module, Evidence>>;

fn name(m: &[String]) -> String {
    if m.is_empty() {
        "crate".to_string()
    } else {
        m.join("::")
    }
}

/// Every file module of the library under `src`, with its file name and text.
fn sources(src: &Path) -> Vec<(Module, String, String)> {
    fn walk(dir: &Path, src: &Path, out: &mut Vec<(Module, String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, src, out);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap();
            let mut module: Module = rel
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            match module.last().map(String::as_str) {
                Some("main") if module.len() == 1 => continue,
                Some("lib") if module.len() == 1 => module.clear(),
                Some("mod") => {
                    module.pop();
                }
                _ => {}
            }
            let text = std::fs::read_to_string(&path).unwrap();
            out.push((module, format!("src/{}", rel.display()), text));
        }
    }
    let mut out = Vec::new();
    walk(src, src, &mut out);
    out
}

/// The text with comments removed and the insides of string and character literals blanked;
/// line breaks are kept so that lines still count.
fn strip(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
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
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
        } else if c[i] == 'r'
            && (i == 0 || !ident(c[i - 1]) || (c[i - 1] == 'b' && (i < 2 || !ident(c[i - 2]))))
            && matches!(next, Some('"') | Some('#'))
        {
            // A raw string r"..." or r#"..."#, or an identifier such as r#type.
            let mut j = i + 1;
            while c.get(j) == Some(&'#') {
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            let hashes = j - i - 1;
            out.push('"');
            j += 1;
            while j < c.len() {
                if c[j] == '"' && (1..=hashes).all(|h| c.get(j + h) == Some(&'#')) {
                    break;
                }
                out.push(blank(c[j]));
                j += 1;
            }
            out.push('"');
            i = j + 1 + hashes;
        } else if c[i] == '"' {
            out.push('"');
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < c.len() {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
            out.push('"');
            i += 1;
        } else if c[i] == '\'' && (next == Some('\\') || c.get(i + 2) == Some(&'\'')) {
            // A character literal; a lone quote is a lifetime or a label.
            i += 1;
            if c.get(i) == Some(&'\\') {
                i += 1;
            }
            i += 1;
            while i < c.len() && c[i] != '\'' {
                i += 1;
            }
            out.push_str("' '");
            i += 1;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// Identifiers and punctuation (`::` as one token), each with its line.
fn tokens(code: &str) -> Vec<(String, usize)> {
    let c: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < c.len() {
        if c[i] == '\n' {
            line += 1;
            i += 1;
        } else if c[i].is_whitespace() {
            i += 1;
        } else if c[i].is_alphanumeric() || c[i] == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((c[start..i].iter().collect(), line));
        } else if c[i] == ':' && c.get(i + 1) == Some(&':') {
            out.push(("::".to_string(), line));
            i += 2;
        } else {
            out.push((c[i].to_string(), line));
            i += 1;
        }
    }
    out
}

fn is_ident(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// The paths a `use` tree names, starting at `tokens[i]` (just after `use`); returns them and
/// the index after the tree.
fn use_tree(t: &[(String, usize)], mut i: usize, prefix: &[String]) -> (Vec<Vec<String>>, usize) {
    let mut path = prefix.to_vec();
    let mut out = Vec::new();
    loop {
        match t.get(i).map(|x| x.0.as_str()) {
            Some("{") => {
                i += 1;
                loop {
                    if t.get(i).is_none_or(|x| x.0 == "}") {
                        i += 1;
                        break;
                    }
                    let (paths, next) = use_tree(t, i, &path);
                    out.extend(paths);
                    i = next;
                    if t.get(i).is_some_and(|x| x.0 == ",") {
                        i += 1;
                    }
                }
                return (out, i);
            }
            Some("*") => {
                out.push(path);
                return (out, i + 1);
            }
            Some("self") if !path.is_empty() => {
                i += 1;
            }
            Some(s) if is_ident(s) => {
                path.push(s.to_string());
                i += 1;
            }
            _ => {}
        }
        match t.get(i).map(|x| x.0.as_str()) {
            Some("::") => i += 1,
            Some("as") => {
                out.push(path);
                return (out, i + 2);
            }
            _ => {
                out.push(path);
                return (out, i);
            }
        }
    }
}

/// The module a path written in module `at` names: the longest known module its absolute form
/// starts with; `None` for a path into another crate or a local name.
fn resolve(at: &[String], path: &[String], known: &BTreeSet<Module>) -> Option<Module> {
    let (mut base, rest): (Module, &[String]) = match path.first().map(String::as_str) {
        Some("crate") => (Vec::new(), &path[1..]),
        Some("self") => (at.to_vec(), &path[1..]),
        Some("super") => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            (at[..at.len().checked_sub(ups)?].to_vec(), &path[ups..])
        }
        Some(first) => {
            let mut child = at.to_vec();
            child.push(first.to_string());
            if !known.contains(&child) {
                return None;
            }
            (at.to_vec(), path)
        }
        None => return None,
    };
    let mut best = base.clone();
    for seg in rest {
        base.push(seg.clone());
        if known.contains(&base) {
            best = base.clone();
        }
    }
    Some(best)
}

/// The module graph of the given files (module, file name, text), one node a file.
fn graph(files: &[(Module, String, String)]) -> Graph {
    let file_modules: BTreeSet<Module> = files.iter().map(|f| f.0.clone()).collect();
    // Inline modules (`mod tests { ... }`) are known for resolving paths, and count as the file.
    let mut known = file_modules.clone();
    let mut parsed = Vec::new();
    for (module, file, text) in files {
        let t = tokens(&strip(text));
        for w in t.windows(3) {
            if w[0].0 == "mod" && is_ident(&w[1].0) && w[2].0 == "{" {
                let mut m = module.clone();
                m.push(w[1].0.clone());
                known.insert(m);
            }
        }
        parsed.push((module, file, t));
    }
    let owner = |m: Module| -> Module {
        let mut m = m;
        while !file_modules.contains(&m) && !m.is_empty() {
            m.pop();
        }
        m
    };
    let mut g = Graph::new();
    for (module, file, t) in parsed {
        g.entry(module.clone()).or_default();
        let mut inline: Vec<(String, usize)> = Vec::new();
        let mut depth = 0;
        let mut i = 0;
        while i < t.len() {
            let tok = t[i].0.as_str();
            let mut at = module.clone();
            at.extend(inline.iter().map(|m| m.0.clone()));
            let mut found: Vec<(Vec<String>, usize)> = Vec::new();
            match tok {
                "{" => depth += 1,
                "}" => {
                    depth -= 1;
                    if inline.last().is_some_and(|m| m.1 == depth) {
                        inline.pop();
                    }
                }
                "mod" if t.get(i + 2).is_some_and(|x| x.0 == "{") => {
                    inline.push((t[i + 1].0.clone(), depth));
                }
                "use" => {
                    let (paths, next) = use_tree(&t, i + 1, &[]);
                    found.extend(paths.into_iter().map(|p| (p, t[i].1)));
                    i = next;
                }
                _ if is_ident(tok)
                    && t.get(i + 1).is_some_and(|x| x.0 == "::")
                    && (i == 0 || !matches!(t[i - 1].0.as_str(), "::" | "$")) =>
                {
                    let line = t[i].1;
                    let mut path = vec![tok.to_string()];
                    let mut j = i + 1;
                    while t.get(j).is_some_and(|x| x.0 == "::")
                        && t.get(j + 1).is_some_and(|x| is_ident(&x.0))
                    {
                        path.push(t[j + 1].0.clone());
                        j += 2;
                    }
                    found.push((path, line));
                    i = j - 1;
                }
                _ => {}
            }
            for (path, line) in found {
                if let Some(target) = resolve(&at, &path, &known).map(&owner)
                    && target != *module
                {
                    g.get_mut(module)
                        .unwrap()
                        .entry(target)
                        .or_insert_with(|| (file.clone(), line, path.join("::")));
                }
            }
            i += 1;
        }
    }
    g
}

/// The graph with every module replaced by the one `level` keeps of it (edges within one
/// module dropped), keeping only modules `level` gives one for.
fn collapse(g: &Graph, level: impl Fn(&Module) -> Option<Module>) -> Graph {
    let mut out = Graph::new();
    for (from, edges) in g {
        let Some(a) = level(from) else { continue };
        out.entry(a.clone()).or_default();
        for (to, evidence) in edges {
            if let Some(b) = level(to)
                && b != a
            {
                out.get_mut(&a)
                    .unwrap()
                    .entry(b)
                    .or_insert_with(|| evidence.clone());
            }
        }
    }
    out
}

/// A cycle, as the modules on it with the first repeated at the end, if there is one.
fn cycle(g: &Graph) -> Option<Vec<Module>> {
    fn visit(
        m: &Module,
        g: &Graph,
        state: &mut BTreeMap<Module, u8>,
        stack: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        state.insert(m.clone(), 1);
        stack.push(m.clone());
        for next in g.get(m).into_iter().flat_map(|e| e.keys()) {
            match state.get(next).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|s| s == next).unwrap();
                    let mut c = stack[from..].to_vec();
                    c.push(next.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(next, g, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(m.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in g.keys() {
        if !state.contains_key(m)
            && let Some(c) = visit(m, g, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

/// The cycle, each edge with where it is written.
fn describe(g: &Graph, c: &[Module]) -> String {
    let mut s = c.iter().map(|m| name(m)).collect::<Vec<_>>().join(" -> ");
    for pair in c.windows(2) {
        let (file, line, path) = &g[&pair[0]][&pair[1]];
        s.push_str(&format!(
            "\n  {} -> {}: {file}:{line} `{path}`",
            name(&pair[0]),
            name(&pair[1])
        ));
    }
    s
}

fn listing(g: &Graph) -> String {
    let mut s = String::new();
    for (from, edges) in g {
        let to: Vec<String> = edges.keys().map(|m| name(m)).collect();
        s.push_str(&format!("  {} -> {}\n", name(from), to.join(", ")));
    }
    s
}

fn crate_graph() -> Graph {
    graph(&sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")))
}

fn top_level(g: &Graph) -> Graph {
    collapse(g, |m| m.first().map(|top| vec![top.clone()]))
}

fn inside_scenario(g: &Graph) -> Graph {
    // `scenario` itself (its mod.rs) is a node too: a child importing an item of mod.rs while
    // mod.rs re-exports that child is a cycle.
    collapse(g, |m| {
        (m.first().is_some_and(|top| top == "scenario")).then(|| m.clone())
    })
}

#[test]
fn the_top_level_modules_import_each_other_without_a_cycle() {
    let g = top_level(&crate_graph());
    // What the layering rests on: the engine knows nothing of what it simulates.
    assert!(g[&vec!["engine".to_string()]].is_empty(), "{}", listing(&g));
    assert!(g[&vec!["model".to_string()]].contains_key(&vec!["scenario".to_string()]));
    if let Some(c) = cycle(&g) {
        panic!(
            "import cycle between top-level modules: {}\nthe graph:\n{}",
            describe(&g, &c),
            listing(&g)
        );
    }
    println!("top-level modules:\n{}", listing(&g));
}

#[test]
fn the_scenario_modules_import_each_other_without_a_cycle() {
    let g = inside_scenario(&crate_graph());
    // Files the layering names: if one is renamed, this test should be read again.
    for m in [
        "param",
        "check",
        "spec",
        "pathway",
        "pathway::transfer",
        "validate",
    ] {
        let m: Module = std::iter::once("scenario")
            .chain(m.split("::"))
            .map(String::from)
            .collect();
        assert!(g.contains_key(&m), "no module {}", name(&m));
    }
    if let Some(c) = cycle(&g) {
        panic!(
            "import cycle inside src/scenario/: {}\nthe graph:\n{}",
            describe(&g, &c),
            listing(&g)
        );
    }
    println!("modules inside scenario/:\n{}", listing(&g));
}

/// The reader itself, on small made-up crates: what counts as an edge, and that a cycle is
/// found and named.
mod reader {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<(Module, String, String)> {
        list.iter()
            .map(|(m, text)| {
                let module = if m.is_empty() {
                    Vec::new()
                } else {
                    m.split("::").map(String::from).collect()
                };
                (module, format!("{m}.rs"), text.to_string())
            })
            .collect()
    }

    fn edges(g: &Graph) -> Vec<String> {
        g.iter()
            .flat_map(|(a, e)| e.keys().map(move |b| format!("{} -> {}", name(a), name(b))))
            .collect()
    }

    #[test]
    fn comments_and_strings_are_no_dependency() {
        let g = graph(&files(&[
            (
                "a",
                "//! See [`crate::b`].\n/* crate::b::X */ const S: &str = \"crate::b\";\nconst R: &str = r#\"crate::b\"#; fn f<'a>(c: char) -> bool { c == '{' }",
            ),
            ("b", ""),
        ]));
        assert!(edges(&g).is_empty(), "{:?}", edges(&g));
    }

    #[test]
    fn use_groups_super_paths_and_child_modules_are_edges() {
        let g = graph(&files(&[
            ("s", "mod a;\nmod b;\nmod c;\npub use a::X;"),
            (
                "s::a",
                "use super::{b, c::Y};\nfn f() { super::super::t::g(); }",
            ),
            (
                "s::b",
                "mod tests { use super::*; fn h() { crate::s::c::Z; } }",
            ),
            ("s::c", ""),
            ("t", ""),
        ]));
        assert_eq!(
            edges(&g),
            [
                "s -> s::a",
                "s::a -> s::b",
                "s::a -> s::c",
                "s::a -> t",
                "s::b -> s::c"
            ]
        );
        assert!(cycle(&g).is_none());
    }

    #[test]
    fn a_cycle_is_found_and_named() {
        let g = graph(&files(&[
            ("s", "mod a;\nmod b;\nuse a::X;"),
            ("s::a", "use super::b::Y;"),
            ("s::b", "fn f() -> super::Z { todo!() }"),
        ]));
        let c = cycle(&g).expect("s -> s::a -> s::b -> s");
        let text = describe(&g, &c);
        assert!(text.starts_with("s -> s::a -> s::b -> s"), "{text}");
        assert!(text.contains("s::b -> s: s::b.rs:1 `super::Z`"), "{text}");
        let top = top_level(&graph(&files(&[
            ("engine", "use crate::model::M;"),
            ("model", "use crate::engine::E;"),
        ])));
        assert!(cycle(&top).is_some());
    }
}
