//! `parcours recommend`: the scripting interface of the recommendation engine. Its flags,
//! JSON keys and exit codes are a contract with operators' scripts.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::TestResult;

fn fixture_ref() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../catalog/tests/fixtures/ref")
}

fn recommend(profile: &str, extra: &[&str]) -> std::io::Result<std::process::Output> {
    let path = std::env::temp_dir().join(format!("profile-{}.json", uuid::Uuid::now_v7()));
    std::fs::write(&path, profile)?;
    let out = Command::new(env!("CARGO_BIN_EXE_parcours"))
        .arg("recommend")
        .arg("--profile")
        .arg(&path)
        .arg("--ref-dir")
        .arg(fixture_ref())
        .args(extra)
        .env_remove("PARCOURS_REF_DIR")
        .output();
    let _ = std::fs::remove_file(&path);
    out
}

#[test]
fn recommend_prints_json_best_first_with_reasons_and_cautions() -> TestResult {
    let out = recommend(
        r#"{"riasec": {"S": 90, "R": 40}, "interests": {"4": 5}, "experiences": ["11573"],
            "excluded_contexts": ["300803"], "home_commune": "76540", "max_commute_km": 30,
            "max_training": "short"}"#,
        &["--top", "2"],
    )?;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(json["catalog_version"], "60");
    let list = json["recommendations"].as_array().unwrap();
    assert_eq!(list.len(), 2, "--top is respected");
    assert_eq!(list[0]["code_rome"], "J1501");
    assert!(list[0]["score"].as_f64().unwrap() >= list[1]["score"].as_f64().unwrap());
    for r in list {
        for key in ["code_rome", "label", "score", "reasons", "cautions"] {
            assert!(!r[key].is_null(), "{key} missing in {r}");
        }
        // The excluded night work removes the bakery.
        assert_ne!(r["code_rome"], "D1102");
    }
    let text = recommend(r#"{"riasec": {"I": 80}}"#, &["--format", "text"])?;
    assert_eq!(text.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&text.stdout).contains("M1805"));
    Ok(())
}

#[test]
fn a_bad_profile_exits_with_code_2_and_says_why() -> TestResult {
    let unknown = recommend(r#"{"interests": {"99": 3}, "riasec": {"S": 101}}"#, &[])?;
    assert_eq!(unknown.status.code(), Some(2));
    let err = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        err.contains("interests.99") && err.contains("riasec.S"),
        "{err}"
    );
    let malformed = recommend(r#"{"riasec": "#, &[])?;
    assert_eq!(malformed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&malformed.stderr).contains(":1:"));
    let unknown_key = recommend(r#"{"hobbies": ["chess"]}"#, &[])?;
    assert_eq!(unknown_key.status.code(), Some(2));
    Ok(())
}
