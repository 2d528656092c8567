//! The tenant rule, read from the repositories' source: every public function that
//! takes a connection also takes a scope (`TenantScope`, or a partner's
//! `EmployerScope`/`ReferrerScope`/`FunderScope`), unless it lives in `installation`
//! or in a file's documented `unscoped` module, where crossing tenants says its name.

use std::fs;
use std::path::{Path, PathBuf};

const CONNECTIONS: [&str; 3] = [
    "ConnectionTrait",
    "DatabaseConnection",
    "DatabaseTransaction",
];

/// A public function of a repository file: its name, line and parameters.
struct Function {
    name: String,
    line: usize,
    params: String,
    in_unscoped: bool,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// The byte ranges of the `mod unscoped { … }` blocks, each required to carry a doc
/// comment (the reason it crosses tenants).
fn unscoped_blocks(text: &str, file: &Path) -> Vec<(usize, usize)> {
    let mut blocks = Vec::new();
    for (at, _) in text.match_indices("mod unscoped {") {
        let before = text[..at].trim_end_matches("pub ").trim_end();
        let doc = before.lines().next_back().unwrap_or("");
        assert!(
            doc.trim_start().starts_with("///"),
            "{}: `mod unscoped` needs a doc comment saying why it crosses tenants",
            file.display()
        );
        let mut depth = 0usize;
        for (i, c) in text[at..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        blocks.push((at, at + i));
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    blocks
}

fn functions(file: &Path) -> std::io::Result<Vec<Function>> {
    let text = fs::read_to_string(file)?;
    let unscoped = unscoped_blocks(&text, file);
    let mut out = Vec::new();
    for (at, _) in text.match_indices("pub ") {
        let rest = &text[at..];
        let after_vis = if rest.starts_with("pub(") {
            match rest.find(") ") {
                Some(close) => &rest[close + 2..],
                None => continue,
            }
        } else {
            &rest["pub ".len()..]
        };
        let after_async = after_vis.strip_prefix("async ").unwrap_or(after_vis);
        let Some(signature) = after_async.strip_prefix("fn ") else {
            continue;
        };
        let name: String = signature
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let Some(open) = signature.find('(') else {
            continue;
        };
        let mut depth = 0usize;
        let mut params = String::new();
        for c in signature[open..].chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                break;
            }
            params.push(c);
        }
        out.push(Function {
            name,
            line: text[..at].lines().count() + 1,
            params,
            in_unscoped: unscoped.iter().any(|(s, e)| (*s..*e).contains(&at)),
        });
    }
    Ok(out)
}

#[test]
fn every_repository_function_on_tenant_data_takes_a_scope() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("src")
        .join("repo");
    let installation = repo.join("installation");
    let mut files = Vec::new();
    rust_files(&repo, &mut files).unwrap();
    files.sort();
    let (mut total, mut scoped, mut unscoped, mut installation_wide) = (0, 0, 0, 0);
    let mut offenders = Vec::new();
    for file in &files {
        for f in functions(file).unwrap() {
            if !CONNECTIONS.iter().any(|c| f.params.contains(c)) {
                continue; // not a query: a helper on records
            }
            total += 1;
            if f.params.contains("Scope") {
                scoped += 1;
            } else if file.starts_with(&installation) {
                installation_wide += 1;
            } else if f.in_unscoped {
                unscoped += 1;
            } else {
                offenders.push(format!("{}:{} {}", file.display(), f.line, f.name));
            }
        }
    }
    println!(
        "repository functions: {total}; scoped {scoped}, installation-wide {installation_wide}, \
         in `unscoped` modules {unscoped}, without a scope elsewhere {}",
        offenders.len()
    );
    assert!(
        total > 100,
        "the repositories were not found ({total} functions)"
    );
    assert!(
        offenders.is_empty(),
        "take a scope, or move to an `unscoped` module saying why:\n{}",
        offenders.join("\n")
    );
}
