//! No circles between the top-level modules of `app` and of `web`: a module's files
//! name other modules through `crate::x` (in `use crate::{x, …}` or a path), and those
//! references must form no cycle, so each feature can be read from its dependencies
//! up. Reads the source trees; builds nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// A module's files: `x.rs` and everything under `x/`.
fn files_of(src: &Path, module: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let file = src.join(format!("{module}.rs"));
    if file.is_file() {
        out.push(file);
    }
    let mut dirs = vec![src.join(module)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The top-level modules of a crate's `src`: its files and folders but the crate root.
fn modules(src: &Path) -> std::io::Result<BTreeSet<String>> {
    Ok(fs::read_dir(src)?
        .flatten()
        .filter_map(|entry| {
            let path = entry.path();
            let name = if path.is_dir() {
                path.file_name()?.to_str()?.to_owned()
            } else if path.extension().is_some_and(|e| e == "rs") {
                path.file_stem()?.to_str()?.to_owned()
            } else {
                return None;
            };
            (name != "lib" && name != "main").then_some(name)
        })
        .collect())
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The code of a file without its line comments (doc links name modules in words).
fn code(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first segment after every `crate::` in the code, and each first segment of a
/// `use crate::{a, b::c, …}` group.
fn referenced(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        if code[..at].chars().next_back().is_some_and(is_ident) {
            continue; // e.g. `parcours_crate::`
        }
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut start_item = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start_item = true,
                    c if start_item && is_ident(c) => {
                        let name: String =
                            group[i..].chars().take_while(|c| is_ident(*c)).collect();
                        out.insert(name);
                        start_item = false;
                    }
                    _ => {}
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// Module → modules it names, with one file that does, for the message.
type Graph = BTreeMap<String, BTreeMap<String, PathBuf>>;

fn graph(src: &Path) -> std::io::Result<Graph> {
    let all = modules(src)?;
    all.iter()
        .map(|module| {
            let mut edges = BTreeMap::new();
            for file in files_of(src, module) {
                let text = fs::read_to_string(&file)?;
                for other in referenced(&code(&text)) {
                    if other != *module && all.contains(&other) {
                        edges.entry(other).or_insert_with(|| file.clone());
                    }
                }
            }
            Ok((module.clone(), edges))
        })
        .collect()
}

/// The modules each module reaches through one or more references.
fn reach(graph: &Graph, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&str> = vec![from];
    while let Some(m) = todo.pop() {
        for next in graph.get(m).into_iter().flat_map(|e| e.keys()) {
            if seen.insert(next.clone()) {
                todo.push(next);
            }
        }
    }
    seen
}

/// Every group of modules that reach each other, with the references inside it.
fn cycles(src: &Path) -> std::io::Result<Vec<String>> {
    let graph = graph(src)?;
    let reached: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|m| (m, reach(&graph, m))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for (module, from_it) in &reached {
        if done.contains(*module) || !from_it.contains(*module) {
            continue;
        }
        let group: BTreeSet<&String> = from_it
            .iter()
            .filter_map(|other| reached.get_key_value(other))
            .filter(|(_, r)| r.contains(*module))
            .map(|(m, _)| *m)
            .collect();
        let mut lines = vec![format!(
            "cycle between {}:",
            group
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )];
        for m in &group {
            for (to, file) in &graph[*m] {
                if group.contains(to) {
                    lines.push(format!("  {m} -> {to} ({})", file.display()));
                }
            }
            done.insert((*m).clone());
        }
        out.push(lines.join("\n"));
    }
    Ok(out)
}

fn crate_src(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("src")
}

#[test]
fn app_modules_form_no_cycle() {
    let found = cycles(&crate_src("app")).unwrap();
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn web_modules_form_no_cycle() {
    let found = cycles(&crate_src("web")).unwrap();
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_check_sees_references_and_cycles() {
    let code = code(
        "use crate::a::X;\nuse crate::{b, c::{D, E}, f as g};\nlet x = crate::h::y(); // crate::z\nparcours_crate::q",
    );
    let names: Vec<String> = referenced(&code).into_iter().collect();
    assert_eq!(names, ["a", "b", "c", "f", "h"]);

    let dir = std::env::temp_dir().join(format!("module-cycles-{}", std::process::id()));
    let src = dir.join("src");
    fs::create_dir_all(src.join("two")).unwrap();
    fs::write(src.join("lib.rs"), "mod one; mod two; mod three;").unwrap();
    fs::write(src.join("one.rs"), "use crate::two::Thing;").unwrap();
    fs::write(src.join("two").join("mod.rs"), "mod inner;").unwrap();
    fs::write(
        src.join("two").join("inner.rs"),
        "fn f() { crate::one::g() }",
    )
    .unwrap();
    fs::write(src.join("three.rs"), "use crate::{one, two};").unwrap();
    let found = cycles(&src).unwrap();
    fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("cycle between one, two:"),
        "{}",
        found[0]
    );
    assert!(!found[0].contains("three"), "{}", found[0]);
}
