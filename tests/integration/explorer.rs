//! The public occupation explorer and reference-data API (fixture catalog).

use axum_test::http::StatusCode;
use parcours_test_support::TestApp;

use crate::TestResult;

#[tokio::test]
async fn the_explorer_searches_and_browses_without_signing_in() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let page = client.server.get("/metiers?q=boulangere").await;
    page.assert_status_ok();
    let html = page.text();
    assert!(
        html.contains("href=\"/metiers/D1102\"") && html.contains("Un métier correspond"),
        "{html}"
    );
    let none = client.server.get("/metiers?q=zzzz").await.text();
    assert!(none.contains("Aucun métier ne correspond"));
    let domain = client.server.get("/metiers?domaine=J").await.text();
    assert!(domain.contains("Métiers du domaine") && domain.contains("/metiers/J1501"));
    let interest = client.server.get("/metiers?interet=4").await.text();
    assert!(interest.contains("J1501") && interest.contains("D1102"));
    Ok(())
}

#[tokio::test]
async fn a_fiche_shows_the_reference_and_the_local_market() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let html = client.server.get("/metiers/D1102").await.text();
    for expected in [
        "Boulanger / Boulangère",
        "Première phrase.",
        "Un CAP suffit.",
        "Pétrir la pâte",
        "essentiel",
        "Travail de nuit",
        "/metiers/M1805",
        "RC",
    ] {
        assert!(html.contains(expected), "fiche page lacks {expected}");
    }
    let market = client
        .server
        .get("/metiers/D1102?commune=Rouen&rayon=60")
        .await
        .text();
    assert!(
        market.contains("Autour de Rouen, dans un rayon de 60 km"),
        "{market}"
    );
    assert!(
        market.contains("Tension moyenne 3,6 sur 5, 50 offres pour 90 demandeurs"),
        "{market}"
    );
    let unknown = client
        .server
        .get("/metiers/D1102?commune=Atlantide&rayon=900")
        .await
        .text();
    assert!(unknown.contains("id=\"commune-error\"") && unknown.contains("id=\"rayon-error\""));
    client
        .server
        .get("/metiers/Z9999")
        .await
        .assert_status(StatusCode::NOT_FOUND);
    Ok(())
}

#[tokio::test]
async fn the_reference_api_is_public_and_described() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let hits = client
        .server
        .get("/api/v1/occupations")
        .add_query_param("q", "aide soignante")
        .await
        .json::<serde_json::Value>();
    assert_eq!(hits[0]["code"], "J1501");
    let fiche = client
        .server
        .get("/api/v1/occupations/m1805")
        .await
        .json::<serde_json::Value>();
    assert_eq!(fiche["code"], "M1805");
    assert_eq!(fiche["riasec_major"], "I");
    assert_eq!(fiche["appellations"].as_array().map(Vec::len), Some(2));
    assert_eq!(fiche["rome_version"], "60");
    let communes = client
        .server
        .get("/api/v1/communes")
        .add_query_param("q", "evreux")
        .await
        .json::<serde_json::Value>();
    assert_eq!(communes[0]["code"], "27229");
    let spec = client
        .server
        .get("/api/v1/openapi.json")
        .await
        .json::<serde_json::Value>();
    for path in [
        "/api/v1/occupations",
        "/api/v1/occupations/{code}",
        "/api/v1/communes",
    ] {
        assert!(
            spec["paths"][path].is_object(),
            "{path} missing from the OpenAPI spec"
        );
    }
    let active = t
        .app
        .active_reference()
        .await?
        .expect("an active release is recorded");
    assert_eq!((active.rome_version.as_str(), active.fiches), ("60", 3));
    Ok(())
}

#[tokio::test]
async fn a_broken_release_leaves_the_active_catalog_in_place() -> TestResult {
    let t = TestApp::spawn().await?;
    let dir = std::env::temp_dir().join(format!("parcours-broken-ref-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    let result = t.app.import_reference(&dir).await;
    assert!(
        matches!(&result, Err(e) if e.to_string() == "rome4/version.txt: file missing"),
        "{result:?}"
    );
    assert_eq!(t.app.catalog().map(|c| c.fiches.len()), Some(3));
    assert_eq!(t.app.active_reference().await?.map(|a| a.fiches), Some(3));
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
