//! The reference loader (ROME 4.0, tension, ESCO, communes) on a damaged file: one of
//! the fixture set's files, picked by the first byte, replaced by the rest of the input.
//! It must return a whole catalog or an error naming the file, never panic.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

struct Fixture {
    dir: PathBuf,
    files: Vec<(PathBuf, Vec<u8>)>,
}

fn copy_tree(from: &Path, to: &Path, files: &mut Vec<(PathBuf, Vec<u8>)>) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target, files)?;
        } else {
            let bytes = std::fs::read(entry.path())?;
            std::fs::write(&target, &bytes)?;
            files.push((target, bytes));
        }
    }
    Ok(())
}

fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();
    FIXTURE
        .get_or_init(|| {
            let source =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/catalog/tests/fixtures/ref");
            let dir = std::env::temp_dir().join(format!("parcours-fuzz-ref-{}", std::process::id()));
            let mut files = Vec::new();
            copy_tree(&source, &dir, &mut files).ok()?;
            files.sort();
            Some(Fixture { dir, files })
        })
        .as_ref()
}

fuzz_target!(|data: &[u8]| {
    let Some(fixture) = fixture() else { return };
    let Some((&pick, content)) = data.split_first() else { return };
    let (path, original) = &fixture.files[usize::from(pick) % fixture.files.len()];
    if std::fs::write(path, content).is_err() {
        return;
    }
    let _ = parcours_catalog::load(&fixture.dir);
    let _ = std::fs::write(path, original);
});
