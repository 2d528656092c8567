//! The integration suite: one binary, run on SQLite by default and on PostgreSQL when
//! TEST_DATABASE_URL is set. Each test gets its own database with the demo world.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access;
mod auth;
mod bilan;
mod cli;
mod durability;
mod erasure;
mod explorer;
#[path = "../../crates/app/tests/support/hostile_workbooks.rs"]
mod hostile_workbooks;
mod journal;
mod mail;
mod matrix;
mod onboarding;
mod opportunities;
mod opportunities_api;
mod outcomes;
mod partners;
mod pistes;
mod plan;
mod privacy;
mod processes;
mod programmes;
mod projects;
mod races;
mod referrals;
mod scale;
mod security;
mod selection;
mod sessions;
mod setup;
mod shell;
mod sms;
mod staff;
mod suppression;
mod synthesis;
mod tenants;
mod workspace;

use parcours_db::TenantScope;
use parcours_db::repo::audit;
use parcours_test_support::TestApp;
use uuid::Uuid;

pub type TestResult = anyhow::Result<()>;

/// A person of the demo operator followed by the demo coach (first of the caseload).
pub async fn some_person_of_coach(t: &TestApp) -> anyhow::Result<Uuid> {
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let home = coach.server.get("/home").await.text();
    let marker = "/beneficiaries/";
    let start = home
        .find(marker)
        .ok_or_else(|| anyhow::anyhow!("no person on the coach home"))?
        + marker.len();
    Ok(Uuid::parse_str(&home[start..start + 36])?)
}

/// The hex token of the first link after `marker` in an email or a page.
pub fn link_token(text: &str, marker: &str) -> anyhow::Result<String> {
    let start = text
        .find(marker)
        .ok_or_else(|| anyhow::anyhow!("no {marker} link"))?
        + marker.len();
    Ok(text[start..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect())
}

/// The text of a PDF, as a reader (or a screen reader) gets it: read in Rust, so that the
/// suite needs no system tool (Debian's pdftotext stays for `.ci/run`'s extra steps).
pub fn pdf_text(pdf: &[u8]) -> anyhow::Result<String> {
    pdf_extract::extract_text_from_mem(pdf).map_err(|e| anyhow::anyhow!("PDF text: {e}"))
}

pub async fn audit_actions(t: &TestApp, tenant: Uuid, person: Uuid) -> anyhow::Result<Vec<String>> {
    Ok(
        audit::for_person(t.app.db(), TenantScope::of(tenant), person, 1_000_000)
            .await?
            .into_iter()
            .map(|e| e.action)
            .collect(),
    )
}

/// Fails unless each action was audited on the person's file in the demo operator.
pub async fn assert_audited(t: &TestApp, person: Uuid, expected: &[&str]) -> TestResult {
    let actions = audit_actions(t, t.world.operator_id, person).await?;
    for action in expected {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} not in {actions:?}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn suite_runs_on_the_database_it_was_given() -> TestResult {
    let t = TestApp::spawn().await?;
    let backend = t.app.database_kind();
    println!("integration suite backend: {backend}");
    assert_eq!(backend, parcours_test_support::expected_backend());
    Ok(())
}
