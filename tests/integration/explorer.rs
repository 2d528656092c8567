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

/// Every public search refuses an overlong query by naming `q` (by characters, by bytes,
/// by words) before searching; queries at the bounds are served.
#[tokio::test]
async fn public_searches_refuse_overlong_queries_naming_q() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let words = |n: usize| vec!["boulanger"; n].join(" ");
    let refused = [
        ("a".repeat(201), "too_long"),
        ("é".repeat(201), "too_long"),
        // 101 characters but 404 bytes.
        ("\u{1F35E}".repeat(101), "too_long"),
        ("boulangere ".repeat(5000), "too_long"),
        (words(17), "too_many_words"),
        (
            "a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q".to_owned(),
            "too_many_words",
        ),
    ];
    for path in ["/api/v1/occupations", "/api/v1/communes"] {
        for (q, code) in &refused {
            let r = client.server.get(path).add_query_param("q", q).await;
            assert_eq!(
                r.status_code(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} {code}"
            );
            assert_eq!(r.header("content-type"), "application/problem+json");
            let problem = r.json::<serde_json::Value>();
            assert_eq!(problem["errors"][0]["field"], "q", "{problem}");
            assert_eq!(problem["errors"][0]["code"], *code, "{problem}");
        }
        for q in ["a".repeat(200), "é".repeat(200), words(16)] {
            let r = client.server.get(path).add_query_param("q", &q).await;
            assert_eq!(r.status_code(), StatusCode::OK, "{path} {}", q.len());
        }
    }
    let page = client
        .server
        .get("/metiers")
        .add_query_param("q", "boulangere ".repeat(5000))
        .await;
    assert_eq!(page.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = page.text();
    assert!(
        html.contains("Cette recherche est trop longue") && html.contains("href=\"#q\""),
        "{html}"
    );
    let too_many = client
        .server
        .get("/metiers")
        .add_query_param("q", words(17))
        .await;
    assert!(too_many.text().contains("trop de mots"));
    // The commune typed on a fiche is a search too: refused as unknown, not searched.
    let fiche = client
        .server
        .get("/metiers/D1102")
        .add_query_param("commune", "rouen ".repeat(1000))
        .await
        .text();
    assert!(fiche.contains("Commune introuvable"), "{fiche}");
    Ok(())
}

/// An anonymous address gets a burst of searches, then 429 with Retry-After and a message
/// saying what to do, on every public search; other pages and signed-in users are not
/// affected.
#[tokio::test]
async fn anonymous_searches_are_limited_per_address_and_signed_in_users_are_not() -> TestResult {
    let t = TestApp::spawn().await?;
    let anonymous = t.client()?;
    let burst = parcours_web::throttle::SEARCH_BURST as usize;
    let mut served = 0;
    let mut limited = None;
    // The bucket refills a little while the test runs: allow for it.
    for i in 0..burst + 20 {
        let path = if i % 2 == 0 {
            "/api/v1/occupations"
        } else {
            "/api/v1/communes"
        };
        let r = anonymous.server.get(path).add_query_param("q", "rou").await;
        if r.status_code() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status_code(), StatusCode::OK);
        served += 1;
    }
    assert!(served >= burst, "only {served} searches served");
    let limited = limited.ok_or_else(|| anyhow::anyhow!("never limited"))?;
    let retry: u64 = limited.header("retry-after").to_str()?.parse()?;
    assert!((1..=60).contains(&retry), "{retry}");
    assert_eq!(limited.header("content-type"), "application/problem+json");
    let problem = limited.json::<serde_json::Value>();
    assert_eq!(problem["status"], 429);
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("sign in")),
        "{problem}"
    );
    // The explorer page and a fiche's commune say it in the visitor's language.
    for path in ["/metiers?q=boulangere", "/metiers/D1102?commune=rouen"] {
        let page = anonymous.server.get(path).await;
        assert_eq!(page.status_code(), StatusCode::TOO_MANY_REQUESTS, "{path}");
        assert!(page.maybe_header("retry-after").is_some());
        assert!(page.text().contains("Trop de recherches"), "{path}");
    }
    // Browsing without a search, and any other page, is not limited.
    anonymous
        .server
        .get("/metiers?domaine=J")
        .await
        .assert_status_ok();
    anonymous.server.get("/login").await.assert_status_ok();
    // A signed-in user from the same address searches freely.
    let coach = t.login_as("coach@demo.parcours.test").await?;
    for _ in 0..burst + 10 {
        coach
            .server
            .get("/api/v1/occupations?q=boulangere")
            .await
            .assert_status_ok();
    }
    Ok(())
}

#[tokio::test]
async fn pages_are_compressed_for_browsers_that_accept_it() -> TestResult {
    let t = TestApp::spawn().await?;
    let client = t.client()?;
    let plain = client.server.get("/metiers?domaine=J").await;
    plain.assert_status_ok();
    assert!(plain.maybe_header("content-encoding").is_none());
    let plain_bytes = plain.as_bytes().len();
    for encoding in ["gzip", "br"] {
        let packed = client
            .server
            .get("/metiers?domaine=J")
            .add_header("accept-encoding", encoding)
            .await;
        packed.assert_status_ok();
        assert_eq!(packed.header("content-encoding"), encoding);
        assert!(packed.header("vary").to_str()?.contains("accept-encoding"));
        let packed_bytes = packed.as_bytes().len();
        assert!(
            packed_bytes * 2 < plain_bytes,
            "{encoding}: {packed_bytes} bytes for {plain_bytes} plain"
        );
    }
    Ok(())
}
