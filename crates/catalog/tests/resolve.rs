//! The explorer's commune field: a code or a name, resolved on the fixture set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use parcours_catalog::load;

#[test]
fn a_code_or_a_name_resolves_to_a_commune() {
    let c = load(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ref")).unwrap();
    assert_eq!(c.resolve_commune(" 27229 ").as_deref(), Some("27229"));
    assert_eq!(
        c.resolve_commune("havre"),
        c.search_communes("havre", 1)
            .first()
            .map(|h| h.code.clone())
    );
    assert!(c.resolve_commune("havre").is_some());
    assert_eq!(c.resolve_commune("zzzz-nowhere"), None);
}
