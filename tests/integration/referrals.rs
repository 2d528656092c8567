//! Referrals: a referrer sends one person by form and several by a CSV file whose bad
//! rows and duplicate are corrected in the browser before anything is written; the
//! manager accepts into a cohort (the file and enrolment appear) or refuses with a
//! reason; unanswered referrals expire; hostile files are refused whole.

use axum_test::http::StatusCode;
use axum_test::multipart::{MultipartForm, Part};
use parcours_db::ConnectionTrait;
use parcours_test_support::{Client, TestApp};
use serde_json::Value;

use crate::TestResult;

const REFERRER: &str = "referrer@demo.parcours.test";
const MANAGER: &str = "manager@demo.parcours.test";

async fn upload(
    client: &Client,
    programme: &str,
    bytes: Vec<u8>,
    consent: bool,
) -> axum_test::TestResponse {
    let token = client.token_from("/orientations").await;
    let mut form = MultipartForm::new()
        .add_text("_csrf", token)
        .add_text("programme", programme.to_owned());
    if consent {
        form = form.add_text("consent", "yes");
    }
    let form = form.add_part(
        "file",
        Part::bytes(bytes)
            .file_name("orientations.csv")
            .mime_type("text/csv"),
    );
    client
        .server
        .post("/orientations/import")
        .multipart(form)
        .await
}

async fn referral_count(t: &TestApp) -> anyhow::Result<i64> {
    let row = t
        .app
        .db()
        .query_one_raw(parcours_db::Statement::from_string(
            t.app.db().get_database_backend(),
            "SELECT COUNT(*) AS n FROM referrals",
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no count"))?;
    Ok(row.try_get::<i64>("", "n")?)
}

#[tokio::test]
async fn a_referrer_imports_a_file_fixes_it_and_the_manager_decides() -> TestResult {
    let t = TestApp::spawn().await?;
    let programme = t.world.programme_id.to_string();
    let referrer = t.login_as(REFERRER).await?;
    let page = referrer.server.get("/orientations").await.text();
    assert!(page.contains("Orienter une personne") && page.contains(&programme));

    // One by one: refused without consent and with a date that does not exist.
    let form = "/orientations";
    let bad = referrer
        .submit(
            form,
            form,
            &[
                ("programme", programme.as_str()),
                ("first_name", "Inès"),
                ("last_name", "Haddad"),
                ("birth_date", "31/02/1990"),
                ("phone", "06 11 22 33 44"),
            ],
        )
        .await;
    assert_eq!(bad.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = bad.text();
    assert!(
        text.contains("La date de naissance n&#39;existe pas")
            && text.contains("accepté d&#39;être orientée"),
        "{text}"
    );
    assert_eq!(referral_count(&t).await?, 0);
    let good = [
        ("programme", programme.as_str()),
        ("first_name", "Inès"),
        ("last_name", "Haddad"),
        ("birth_date", "28/02/1990"),
        ("phone", "06 11 22 33 44"),
        ("publics", "qpv"),
        ("publics", "single_parent"),
        ("consent", "yes"),
    ];
    let sent = referrer.submit(form, form, &good).await;
    assert_eq!(sent.header("location"), "/orientations?saved=1");
    let again = referrer.submit(form, form, &good).await;
    assert_eq!(again.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text().contains("déjà orientée vers ce programme"));

    // A file with two bad rows and a duplicate, as French Excel writes it (cp1252, ;).
    let mut csv = b"prenom;nom;date_naissance;email;telephone;commune;publics\r\n".to_vec();
    csv.extend_from_slice(b"Ga\xebl;L\xe9vy;08/02/1994;gael@example.org;;76540;youth\r\n");
    csv.extend_from_slice(b"Sarah;Benali;1987-13-01;sarah@example.org;;;\r\n");
    csv.extend_from_slice(b"=HYPERLINK(\"http://x\");Martin;1990-01-01;;0612345678;;\r\n");
    csv.extend_from_slice(b"Gael;LEVY;1994-02-08;GAEL@example.org;;;\r\n");
    csv.extend_from_slice(b"Jo;Durand;1970-06-30;;07 00 00 00 01;;social_minima\r\n");
    let without_consent = upload(&referrer, &programme, csv.clone(), false).await;
    assert_eq!(
        without_consent.status_code(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let uploaded = upload(&referrer, &programme, csv, true).await;
    assert_eq!(
        uploaded.status_code(),
        StatusCode::SEE_OTHER,
        "{}",
        uploaded.text()
    );
    let check = uploaded.header("location").to_str()?.to_owned();
    let page = referrer.server.get(&check).await.text();
    assert!(page.contains("windows-1252"), "encoding named");
    assert!(
        page.contains("2 ligne(s) prête(s)") && page.contains("3 ligne(s) à corriger"),
        "{page}"
    );
    assert!(page.contains("Ligne 3") && page.contains("Ligne 4") && page.contains("Ligne 5"));
    assert!(page.contains("apparaît deux fois dans le fichier"));
    assert!(page.contains("signe de formule"));
    // Importing now writes nothing.
    let early = referrer
        .submit(&check, &format!("{check}/valider"), &[])
        .await;
    assert_eq!(early.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.text().contains("rien n&#39;a été importé"));
    assert_eq!(referral_count(&t).await?, 1);
    // Fix the date and the name, leave the duplicate out.
    let fixed = referrer
        .submit(
            &check,
            &check,
            &[
                ("l3_first_name", "Sarah"),
                ("l3_last_name", "Benali"),
                ("l3_birth_date", "1987-12-01"),
                ("l3_email", "sarah@example.org"),
                ("l4_first_name", "Paul"),
                ("l4_last_name", "Martin"),
                ("l4_birth_date", "1990-01-01"),
                ("l4_phone", "0612345678"),
                ("l5_first_name", "Gael"),
                ("l5_last_name", "LEVY"),
                ("l5_birth_date", "1994-02-08"),
                ("l5_email", "GAEL@example.org"),
                ("l5_skip", "yes"),
            ],
        )
        .await;
    assert_eq!(fixed.status_code(), StatusCode::SEE_OTHER);
    let page = referrer.server.get(&check).await.text();
    assert!(
        page.contains("4 ligne(s) prête(s)") && page.contains("1 ligne(s) écartée(s)"),
        "{page}"
    );
    let done = referrer
        .submit(&check, &format!("{check}/valider"), &[])
        .await;
    assert_eq!(done.header("location"), "/orientations?imported=4");
    assert_eq!(referral_count(&t).await?, 5);
    // A second click imports nothing more.
    let twice = referrer
        .submit(&check, &format!("{check}/valider"), &[])
        .await;
    assert_eq!(twice.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(referral_count(&t).await?, 5);

    // The manager opens a cohort, accepts one referral into it and refuses another.
    let manager = t.login_as(MANAGER).await?;
    let page = manager.server.get("/orientations").await.text();
    assert!(
        page.contains("Gaël") && page.contains("Lévy"),
        "accents kept"
    );
    let cohort = manager
        .submit(
            "/orientations",
            "/cohortes",
            &[
                ("programme", programme.as_str()),
                ("name", "Printemps 2027"),
                ("starts_on", "2027-03-01"),
                ("capacity", "12"),
            ],
        )
        .await;
    assert_eq!(cohort.status_code(), StatusCode::SEE_OTHER);
    let list: Vec<Value> = manager.server.get("/api/v1/referrals").await.json();
    assert_eq!(list.len(), 5);
    let id_of = |last: &str| {
        list.iter()
            .find(|r| r["last_name"] == last)
            .and_then(|r| r["id"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let page = manager.server.get("/orientations").await.text();
    let marker = "<option value=\"";
    let cohort_id: String = page
        .split(marker)
        .map(|s| s.split('"').next().unwrap_or(""))
        .find(|v| v.len() == 36 && page.contains(&format!("{v}\">Printemps 2027")))
        .unwrap_or_default()
        .to_owned();
    assert_eq!(cohort_id.len(), 36, "cohort option");
    let haddad = id_of("Haddad");
    let accepted = manager
        .submit(
            "/orientations",
            &format!("/orientations/{haddad}/decision"),
            &[("decision", "accept"), ("cohort", cohort_id.as_str())],
        )
        .await;
    assert_eq!(accepted.status_code(), StatusCode::SEE_OTHER);
    let durand = id_of("Durand");
    let no_reason = manager
        .submit(
            "/orientations",
            &format!("/orientations/{durand}/decision"),
            &[("decision", "refuse")],
        )
        .await;
    assert_eq!(no_reason.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = manager
        .submit(
            "/orientations",
            &format!("/orientations/{durand}/decision"),
            &[("decision", "refuse"), ("reason", "programme_full")],
        )
        .await;
    assert_eq!(refused.status_code(), StatusCode::SEE_OTHER);
    let list: Vec<Value> = manager.server.get("/api/v1/referrals").await.json();
    let haddad_row = list
        .iter()
        .find(|r| r["last_name"] == "Haddad")
        .cloned()
        .unwrap_or_default();
    assert_eq!(haddad_row["status"], "accepted");
    let person = haddad_row["person_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(person.len(), 36);
    let file = manager
        .server
        .get(&format!("/beneficiaries/{person}"))
        .await
        .text();
    assert!(
        file.contains("Inès Haddad"),
        "the accepted person has a file"
    );
    // Deciding twice is refused.
    let twice = manager
        .submit(
            "/orientations",
            &format!("/orientations/{haddad}/decision"),
            &[("decision", "refuse"), ("reason", "duplicate")],
        )
        .await;
    assert_eq!(twice.status_code(), StatusCode::UNPROCESSABLE_ENTITY);

    // The referrer follows the answers, never the file; the step only with consent.
    let mine: Vec<Value> = referrer.server.get("/api/v1/referrals").await.json();
    assert_eq!(mine.len(), 5);
    assert!(mine.iter().all(|r| r["person_id"].is_null()));
    assert!(mine.iter().all(|r| r["milestone"].is_null()));
    let manager_user = parcours_db::repo::installation::accounts::find_user_by_email(
        t.app.db(),
        &parcours_domain::Email::parse(MANAGER)?,
    )
    .await?
    .ok_or_else(|| anyhow::anyhow!("no manager"))?;
    parcours_db::repo::journey::record_consent(
        t.app.db(),
        parcours_db::TenantScope::of(t.world.operator_id),
        person.parse()?,
        parcours_app::referrals::MILESTONES_CONSENT_SCOPE,
        parcours_app::referrals::MILESTONES_CONSENT_TEXT_VERSION,
        manager_user.id,
        parcours_app::now_ms(),
    )
    .await?;
    let mine: Vec<Value> = referrer.server.get("/api/v1/referrals").await.json();
    let step = mine
        .iter()
        .find(|r| r["last_name"] == "Haddad")
        .map(|r| r["milestone"].clone());
    assert_eq!(step, Some(Value::from("referred")));
    assert!(
        referrer
            .server
            .get("/orientations")
            .await
            .text()
            .contains("Étape du bilan")
    );
    let page = referrer.server.get("/orientations").await.text();
    assert!(page.contains("acceptée") && page.contains("Raison : programme complet"));
    assert_eq!(
        referrer
            .server
            .get(&format!("/beneficiaries/{person}"))
            .await
            .status_code(),
        StatusCode::NOT_FOUND
    );

    // Export for Excel: BOM, semicolons.
    let export = manager.server.get("/orientations/export.csv").await;
    assert_eq!(export.status_code(), StatusCode::OK);
    let bytes = export.as_bytes().to_vec();
    assert!(bytes.starts_with("\u{feff}programme;referrer;".as_bytes()));
    assert_eq!(
        referrer
            .server
            .get("/orientations/export.csv")
            .await
            .status_code(),
        StatusCode::FORBIDDEN
    );

    // Others: a coach, a funder, another operator's coach.
    for login in [
        "coach@demo.parcours.test",
        "funder@demo.parcours.test",
        "coach@horizon.parcours.test",
    ] {
        let c = t.login_as(login).await?;
        assert_eq!(
            c.server.get("/orientations").await.status_code(),
            StatusCode::FORBIDDEN,
            "{login}"
        );
    }

    // Unanswered referrals expire after their date.
    t.app
        .clock()
        .advance_days(parcours_domain::referral::EXPIRES_AFTER_DAYS + 1);
    assert_eq!(t.app.expire_referrals(t.app.now()).await?, 3);
    // The referrer's session went idle meanwhile: sign in again to read the list.
    let referrer = t.login_as(REFERRER).await?;
    let mine: Vec<Value> = referrer.server.get("/api/v1/referrals").await.json();
    assert_eq!(mine.iter().filter(|r| r["status"] == "expired").count(), 3);
    Ok(())
}

#[tokio::test]
async fn hostile_files_are_refused_whole_with_a_clear_message() -> TestResult {
    let t = TestApp::spawn().await?;
    let programme = t.world.programme_id.to_string();
    let referrer = t.login_as(REFERRER).await?;
    let mut big = b"prenom,nom,date_naissance\n".to_vec();
    for n in 0..50_000 {
        big.extend_from_slice(format!("A,B{n},1990-01-01\n").as_bytes());
    }
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (big, "Coupez-le en plusieurs fichiers"),
        (b"\xff\xfep\0r\0e\0".to_vec(), "Unicode (UTF-16)"),
        (b"PK\x03\x04\x14\0\0\0".to_vec(), "classeur Excel"),
        (b"prenom;nom\nA;B\n".to_vec(), "Il manque la colonne"),
        (
            b"prenom;nom;date_naissance;iban\n".to_vec(),
            "« iban » n&#39;est pas connue",
        ),
        (
            b"prenom;nom;date_naissance\nA;B\n".to_vec(),
            "Ligne 2 : 2 cases au lieu de 3",
        ),
        (Vec::new(), "Le fichier est vide"),
    ];
    for (bytes, message) in cases {
        let response = upload(&referrer, &programme, bytes, true).await;
        assert_eq!(
            response.status_code(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{message}"
        );
        let text = response.text();
        assert!(text.contains(message), "«{message}» not in {text}");
    }
    assert_eq!(referral_count(&t).await?, 0);
    // A real workbook is read (its dates and numbers as Excel keeps them).
    let workbook = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../app/tests/fixtures/referrals.xlsx"
    ))?;
    let read = upload(&referrer, &programme, workbook, true).await;
    assert_eq!(read.status_code(), StatusCode::SEE_OTHER, "{}", read.text());
    let check = read.header("location").to_str()?.to_owned();
    let page = referrer.server.get(&check).await.text();
    assert!(
        page.contains("Lu comme xlsx") && page.contains("2 ligne(s) prête(s)"),
        "{page}"
    );
    // A programme the referrer does not refer to.
    let other = t.world.other_operator_id.to_string();
    let response = upload(
        &referrer,
        &other,
        b"prenom;nom;date_naissance\n".to_vec(),
        true,
    )
    .await;
    assert_ne!(response.status_code(), StatusCode::SEE_OTHER);
    Ok(())
}

#[tokio::test]
async fn the_person_chooses_whether_their_referrer_sees_their_step() -> TestResult {
    let t = TestApp::spawn().await?;
    let person = t.world.beneficiary_person_id;
    let me = t.login_as("beneficiaire@demo.parcours.test").await?;
    let file = format!("/beneficiaries/{person}");
    let page = me.server.get(&file).await.text();
    assert!(
        page.contains("La structure qui vous a orienté") && page.contains("Lui montrer mon étape")
    );
    let given = me
        .submit(&file, &format!("{file}/orienteur"), &[("share", "yes")])
        .await;
    assert_eq!(given.status_code(), StatusCode::SEE_OTHER);
    assert!(
        me.server
            .get(&file)
            .await
            .text()
            .contains("Elle voit l&#39;étape où vous en êtes.")
    );
    let coach = t.login_as("coach@demo.parcours.test").await?;
    let by_coach = coach
        .submit(&file, &format!("{file}/orienteur"), &[("share", "no")])
        .await;
    assert_eq!(by_coach.status_code(), StatusCode::FORBIDDEN);
    let stopped = me
        .submit(&file, &format!("{file}/orienteur"), &[("share", "no")])
        .await;
    assert_eq!(stopped.status_code(), StatusCode::SEE_OTHER);
    crate::assert_audited(
        &t,
        person,
        &[
            "consent.referrer_milestones_given",
            "consent.referrer_milestones_withdrawn",
        ],
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn programme_rules_flag_declarations_and_quotas_cap_referrals() -> TestResult {
    let t = TestApp::spawn().await?;
    let programme = t.world.programme_id.to_string();
    let manager = t.login_as(MANAGER).await?;
    let settings = format!("/programmes/{programme}");
    let page = manager.server.get(&settings).await.text();
    // A quota of 2 for every referrer of the programme.
    let quota_fields: Vec<String> = page
        .match_indices("name=\"quota_")
        .map(|(i, m)| format!("quota_{}", &page[i + m.len()..i + m.len() + 36]))
        .collect();
    assert_eq!(
        quota_fields.len(),
        2,
        "France Travail and the Mission locale"
    );
    let bad = manager
        .submit(
            &settings,
            &settings,
            &[
                ("min_age", "30"),
                ("max_age", "20"),
                ("departements", "7654"),
            ],
        )
        .await;
    assert_eq!(bad.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("sous l&#39;âge minimum"));
    let saved = manager
        .submit(
            &settings,
            &settings,
            &[
                (
                    "co_pilots",
                    "Boulangeries du Vexin, association Pain Partagé",
                ),
                ("departements", "76; 27"),
                ("publics", "youth"),
                ("publics", "qpv"),
                ("min_age", "16"),
                ("max_age", "25"),
                (quota_fields[0].as_str(), "2"),
                (quota_fields[1].as_str(), "2"),
            ],
        )
        .await;
    assert_eq!(saved.header("location"), format!("{settings}?saved=1"));

    let referrer = t.login_as(REFERRER).await?;
    let mut sent = 0;
    for (first, born, commune) in [
        ("Yasmine", "1990-05-01", "75056"),
        ("Noah", "2006-03-10", "76540"),
        ("Emma", "2005-01-01", "76540"),
    ] {
        let r = referrer
            .submit(
                "/orientations",
                "/orientations",
                &[
                    ("programme", programme.as_str()),
                    ("first_name", first),
                    ("last_name", "Test"),
                    ("birth_date", born),
                    (
                        "phone",
                        "06 00 00 00 0{}".replace("{}", &sent.to_string()).as_str(),
                    ),
                    ("commune_code", commune),
                    ("consent", "yes"),
                ],
            )
            .await;
        if r.status_code() == StatusCode::SEE_OTHER {
            sent += 1;
        } else {
            assert_eq!(r.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
            assert!(
                r.text()
                    .contains("quota d&#39;orientations de votre structure"),
                "{}",
                r.text()
            );
        }
    }
    let list: Vec<Value> = manager.server.get("/api/v1/referrals").await.json();
    let mine = list.iter().filter(|r| r["last_name"] == "Test").count();
    assert_eq!((sent, mine), (2, 2), "the third referral is over the quota");
    let page = manager.server.get("/orientations").await.text();
    assert!(page.contains("À vérifier : âge hors de la tranche, aucun public visé déclaré, commune hors du territoire"), "{page}");
    let yasmine = list
        .iter()
        .find(|r| r["first_name"] == "Yasmine")
        .and_then(|r| r["id"].as_str())
        .unwrap_or_default()
        .to_owned();
    let seen = manager
        .submit(
            "/orientations",
            &format!("/orientations/{yasmine}/justificatifs"),
            &[("seen", "yes")],
        )
        .await;
    assert_eq!(seen.status_code(), StatusCode::SEE_OTHER);
    assert!(
        manager
            .server
            .get("/orientations")
            .await
            .text()
            .contains("justificatifs vus le")
    );
    assert_eq!(
        referrer.server.get(&settings).await.status_code(),
        StatusCode::FORBIDDEN
    );
    Ok(())
}

/// The referral's id by the person's last name, as the manager's API lists it.
async fn referral_id(manager: &Client, last_name: &str) -> anyhow::Result<String> {
    let list: Vec<Value> = manager.server.get("/api/v1/referrals").await.json();
    list.iter()
        .find(|r| r["last_name"] == last_name)
        .and_then(|r| r["id"].as_str())
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no referral for {last_name}"))
}

#[tokio::test]
async fn an_advisor_without_an_account_follows_referrals_from_a_link() -> TestResult {
    let t = TestApp::spawn().await?;
    let programme = t.world.programme_id.to_string();
    let referrer = t.login_as(REFERRER).await?;
    let form = "/orientations";
    let bad = referrer
        .submit(
            form,
            form,
            &[
                ("programme", programme.as_str()),
                ("first_name", "Nadia"),
                ("last_name", "Roussel"),
                ("birth_date", "12/05/1992"),
                ("email", "nadia@example.org"),
                ("advisor_email", "not an address"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(bad.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text()
            .contains("L&#39;adresse du conseiller n&#39;est pas valide")
    );
    assert_eq!(referral_count(&t).await?, 0);
    let sent = referrer
        .submit(
            form,
            form,
            &[
                ("programme", programme.as_str()),
                ("first_name", "Nadia"),
                ("last_name", "Roussel"),
                ("birth_date", "12/05/1992"),
                ("email", "nadia@example.org"),
                ("advisor_email", "Lea.Morel@francetravail.example"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(sent.header("location"), "/orientations?saved=1");
    // A file naming the same advisor on one row and nobody on the other.
    let csv = "prenom;nom;date_naissance;email;telephone;email_conseiller\n\
               Hugo;Perrin;1999-03-04;hugo@example.org;;lea.morel@francetravail.example\n\
               Zoé;Blanc;2001-07-08;;06 98 76 54 32;\n";
    let uploaded = upload(&referrer, &programme, csv.as_bytes().to_vec(), true).await;
    assert_eq!(uploaded.status_code(), StatusCode::SEE_OTHER);
    let import = uploaded.header("location").to_str()?.to_owned();
    let committed = referrer
        .submit(&import, &format!("{import}/valider"), &[])
        .await;
    assert_eq!(committed.status_code(), StatusCode::SEE_OTHER);
    assert_eq!(referral_count(&t).await?, 3);

    // One email per submission to the advisor, with a link and no name in it.
    t.app.run_due_jobs(parcours_app::now_ms()).await?;
    let emails = t.sent_emails();
    let to_advisor: Vec<&String> = emails
        .iter()
        .filter(|e| e.contains("To: lea.morel@francetravail.example"))
        .collect();
    assert_eq!(to_advisor.len(), 2, "{emails:#?}");
    assert!(
        to_advisor
            .iter()
            .all(|m| !m.contains("Roussel") && !m.contains("Perrin"))
    );
    let first_links = to_advisor
        .iter()
        .map(|m| crate::link_token(m, "/orientations/suivi/"))
        .collect::<anyhow::Result<Vec<String>>>()?;
    let link = format!("/orientations/suivi/{}", first_links[0]);

    // Without an account: their two referrals, not the third, and the answer.
    let advisor = t.client()?;
    let page = advisor.server.get(&link).await;
    assert_eq!(page.status_code(), StatusCode::OK);
    assert_eq!(page.header("referrer-policy"), "no-referrer");
    let text = page.text();
    assert!(
        text.contains("Nadia Roussel") && text.contains("Hugo Perrin"),
        "{text}"
    );
    assert!(!text.contains("Blanc"));
    assert!(text.contains("reçue") || text.contains("envoyée"), "{text}");
    let manager = t.login_as(MANAGER).await?;
    let roussel = referral_id(&manager, "Roussel").await?;
    let perrin = referral_id(&manager, "Perrin").await?;
    let accepted = manager
        .submit(
            "/orientations",
            &format!("/orientations/{roussel}/decision"),
            &[("decision", "accept")],
        )
        .await;
    assert_eq!(accepted.status_code(), StatusCode::SEE_OTHER);
    let refused = manager
        .submit(
            "/orientations",
            &format!("/orientations/{perrin}/decision"),
            &[("decision", "refuse"), ("reason", "not_eligible")],
        )
        .await;
    assert_eq!(refused.status_code(), StatusCode::SEE_OTHER);
    let text = advisor.server.get(&link).await.text();
    assert!(
        text.contains("acceptée") && text.contains("Raison : "),
        "{text}"
    );
    // Never the person's file.
    assert!(!text.contains("/beneficiaries/"));
    let reads = t
        .app
        .db()
        .query_one_raw(parcours_db::Statement::from_string(
            t.app.db().get_database_backend(),
            "SELECT COUNT(*) AS n FROM audit_events WHERE action = 'referrals.read_by_advisor_link'",
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no count"))?
        .try_get::<i64>("", "n")?;
    assert_eq!(reads, 2);

    // An unknown or expired link offers a new one; asking does not say who follows what,
    // and a second request within minutes sends nothing more.
    let gone = advisor.server.get("/orientations/suivi/0000").await;
    assert_eq!(gone.status_code(), StatusCode::GONE);
    assert!(gone.text().contains("n&#39;est plus valable"));
    t.app
        .clock()
        .advance_ms(parcours_app::advisors::ADVISOR_LINK_TTL_MS + 1);
    assert_eq!(
        advisor.server.get(&link).await.status_code(),
        StatusCode::GONE
    );
    let asked = advisor
        .submit(
            "/orientations/suivi",
            "/orientations/suivi",
            &[("email", "lea.morel@francetravail.example")],
        )
        .await;
    assert_eq!(asked.status_code(), StatusCode::OK);
    let unknown = advisor
        .submit(
            "/orientations/suivi",
            "/orientations/suivi",
            &[("email", "nobody@example.org")],
        )
        .await;
    assert_eq!(unknown.status_code(), StatusCode::OK);
    assert_eq!(
        unknown.text().contains("un lien vient de partir"),
        asked.text().contains("un lien vient de partir")
    );
    let again = advisor
        .submit(
            "/orientations/suivi",
            "/orientations/suivi",
            &[("email", "lea.morel@francetravail.example")],
        )
        .await;
    assert_eq!(again.status_code(), StatusCode::OK);
    t.app.run_due_jobs(t.app.now()).await?;
    let emails = t.sent_emails();
    let to_advisor: Vec<&String> = emails
        .iter()
        .filter(|e| e.contains("To: lea.morel@francetravail.example"))
        .collect();
    assert_eq!(to_advisor.len(), 3, "one new link, not two");
    let fresh = to_advisor
        .iter()
        .map(|m| crate::link_token(m, "/orientations/suivi/"))
        .collect::<anyhow::Result<Vec<String>>>()?
        .into_iter()
        .find(|t| !first_links.contains(t))
        .ok_or_else(|| anyhow::anyhow!("a new link"))?;
    assert_eq!(
        advisor
            .server
            .get(&format!("/orientations/suivi/{fresh}"))
            .await
            .status_code(),
        StatusCode::OK
    );
    Ok(())
}

#[tokio::test]
async fn an_accepted_candidate_gets_their_space_and_asks_for_an_immersion() -> TestResult {
    let t = TestApp::spawn().await?;
    let programme = t.world.programme_id.to_string();
    let referrer = t.login_as(REFERRER).await?;
    let form = "/orientations";
    let sent = referrer
        .submit(
            form,
            form,
            &[
                ("programme", programme.as_str()),
                ("first_name", "Karim"),
                ("last_name", "Benzaoui"),
                ("birth_date", "1995-09-14"),
                ("email", "karim.b@example.org"),
                ("commune_code", "76540"),
                ("consent", "yes"),
            ],
        )
        .await;
    assert_eq!(sent.status_code(), StatusCode::SEE_OTHER);
    let manager = t.login_as(MANAGER).await?;
    let id = referral_id(&manager, "Benzaoui").await?;
    manager
        .submit(
            "/orientations",
            &format!("/orientations/{id}/decision"),
            &[("decision", "accept")],
        )
        .await;
    let list: Vec<Value> = manager.server.get("/api/v1/referrals").await.json();
    let person = list
        .iter()
        .find(|r| r["last_name"] == "Benzaoui")
        .and_then(|r| r["person_id"].as_str())
        .unwrap_or_default()
        .to_owned();
    let file = format!("/beneficiaries/{person}");
    assert!(
        manager
            .server
            .get(&file)
            .await
            .text()
            .contains("pas encore d&#39;espace")
    );

    // A referrer or a funder cannot open the space; the manager can, once.
    let funder = t.login_as("funder@demo.parcours.test").await?;
    let denied = funder.post_form(&format!("{file}/espace"), &[]).await;
    assert!(
        denied.status_code() == StatusCode::FORBIDDEN
            || denied.status_code() == StatusCode::NOT_FOUND
    );
    let opened = manager.submit(&file, &format!("{file}/espace"), &[]).await;
    assert_eq!(opened.header("location"), format!("{file}?saved=1#space"));
    let twice = manager.submit(&file, &format!("{file}/espace"), &[]).await;
    assert_eq!(twice.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.text().contains("déjà son espace"));
    crate::assert_audited(&t, person.parse()?, &["person.invited"]).await?;

    // The person enters from the emailed link and asks for the demo immersion.
    t.app.run_due_jobs(parcours_app::now_ms()).await?;
    let emails = t.sent_emails();
    let mail = emails
        .iter()
        .find(|e| e.contains("To: karim.b@example.org"))
        .ok_or_else(|| anyhow::anyhow!("no invitation in {emails:#?}"))?;
    let token = crate::link_token(mail, "/connexion/")?;
    let link = format!("/connexion/{token}");
    let me = t.client()?;
    let entered = me.submit(&link, &link, &[]).await;
    assert_eq!(entered.header("location"), "/home");
    let page = me.server.get("/parcours/opportunites").await.text();
    let at = page
        .find("Deux semaines au fournil")
        .ok_or_else(|| anyhow::anyhow!("the demo immersion is offered: {page}"))?;
    let marker = "name=\"opportunity\" value=\"";
    let start = page[at..]
        .find(marker)
        .map(|i| at + i + marker.len())
        .ok_or_else(|| anyhow::anyhow!("request form"))?;
    let immersion = page[start..start + 36].to_owned();
    let asked = me
        .submit(
            "/parcours/opportunites",
            &format!("/beneficiaries/{person}/opportunites/demandes"),
            &[("opportunity", immersion.as_str())],
        )
        .await;
    assert_eq!(
        asked.header("location"),
        "/parcours/opportunites?saved=1#requests"
    );
    Ok(())
}

async fn import_count(t: &TestApp) -> anyhow::Result<i64> {
    let row = t
        .app
        .db()
        .query_one_raw(parcours_db::Statement::from_string(
            t.app.db().get_database_backend(),
            "SELECT COUNT(*) AS n FROM referral_imports",
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no count"))?;
    Ok(row.try_get::<i64>("", "n")?)
}

#[tokio::test]
async fn hostile_workbooks_are_refused_and_the_service_stays_up() -> TestResult {
    use crate::hostile_workbooks as hostile;
    let t = TestApp::spawn().await?;
    let programme = t.world.programme_id.to_string();
    let referrer = t.login_as(REFERRER).await?;
    let messages = [
        (
            "far-cell.xlsx",
            "La feuille « Orientations » va jusqu&#39;à la case XFD1048576",
        ),
        (
            "lying-dimension.xlsx",
            "La feuille « Orientations » va jusqu&#39;à la case XFD1048576",
        ),
        ("too-many-rows.xlsx", "Coupez-le en plusieurs fichiers"),
        (
            "too-many-columns.xlsx",
            "va jusqu&#39;à la case AA1 : un import lit au plus",
        ),
        (
            "huge-shared-strings.xlsx",
            "« xl/sharedStrings.xml » dépasse 32 Mo",
        ),
        (
            "shared-string-amplified.xlsx",
            "« Orientations » dépasse 16 Mo",
        ),
        ("deflate-bomb.xlsx", "« xl/media/image1.png » dépasse 32 Mo"),
        (
            "lying-deflate-bomb.xlsx",
            "« xl/media/image1.png » dépasse 32 Mo",
        ),
        ("many-entries.xlsx", "2005 fichiers internes"),
        ("truncated.xlsx", "Ce classeur Excel n&#39;a pas pu être lu"),
        ("garbage.xlsx", "Ce classeur Excel n&#39;a pas pu être lu"),
    ];
    let files = hostile::all_hostile();
    assert_eq!(files.len(), messages.len());
    for ((name, bytes), (expected_name, message)) in files.into_iter().zip(messages) {
        assert_eq!(name, expected_name);
        let response = upload(&referrer, &programme, bytes, true).await;
        assert_eq!(
            response.status_code(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}"
        );
        let text = response.text();
        assert!(text.contains(message), "{name}: «{message}» not in {text}");
    }
    // CSV: a file over the upload's limit, thousands of columns, a huge cell.
    let wide = format!("prenom{}\n", ";".repeat(4_999));
    let long_cell = format!(
        "prenom;nom;date_naissance\nA;{};1990-01-01\n",
        "x".repeat(20_000)
    );
    let mut heavy = b"prenom;nom;date_naissance\n".to_vec();
    heavy.resize(7 * 1024 * 1024, b'a');
    let response = upload(&referrer, &programme, heavy, true).await;
    assert_eq!(response.status_code(), StatusCode::PAYLOAD_TOO_LARGE);
    for (bytes, message) in [
        (
            wide.into_bytes(),
            "Ligne 1 : 5000 colonnes, 26 au plus par import",
        ),
        (
            long_cell.into_bytes(),
            "Ligne 2 : une case dépasse 10000 caractères",
        ),
    ] {
        let response = upload(&referrer, &programme, bytes, true).await;
        assert_eq!(
            response.status_code(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{message}"
        );
        let text = response.text();
        assert!(text.contains(message), "«{message}» not in {text}");
    }
    assert_eq!(referral_count(&t).await?, 0);
    assert_eq!(import_count(&t).await?, 0);
    // The service is still there, and a normal workbook is read.
    let read = upload(&referrer, &programme, hostile::normal(3), true).await;
    assert_eq!(read.status_code(), StatusCode::SEE_OTHER, "{}", read.text());
    let check = read.header("location").to_str()?.to_owned();
    let page = referrer.server.get(&check).await.text();
    assert!(
        page.contains("Lu comme xlsx") && page.contains("3 ligne(s) prête(s)"),
        "{page}"
    );
    Ok(())
}

/// Opening a person's space answers the same whether the file's address is new, has an
/// account in this operator, or in another (issue 23, item 11); an existing account gets
/// the space only when its owner accepts from the email.
#[tokio::test]
async fn opening_a_space_does_not_tell_whether_the_address_has_an_account() -> TestResult {
    let t = TestApp::spawn().await?;
    let programme = t.world.programme_id.to_string();
    let referrer = t.login_as(REFERRER).await?;
    let manager = t.login_as(MANAGER).await?;
    let cases = [
        ("Nouvelle", "nouvelle.personne@example.org"),
        ("Mêmestructure", "coach2@demo.parcours.test"),
        ("Autrestructure", "coach@horizon.parcours.test"),
    ];
    let mut answers = Vec::new();
    let mut files = Vec::new();
    for (last_name, email) in cases {
        let sent = referrer
            .submit(
                "/orientations",
                "/orientations",
                &[
                    ("programme", programme.as_str()),
                    ("first_name", "Alex"),
                    ("last_name", last_name),
                    ("birth_date", "1990-01-02"),
                    ("email", email),
                    ("commune_code", "76540"),
                    ("consent", "yes"),
                ],
            )
            .await;
        assert_eq!(sent.status_code(), StatusCode::SEE_OTHER, "{last_name}");
        let id = referral_id(&manager, last_name).await?;
        manager
            .submit(
                "/orientations",
                &format!("/orientations/{id}/decision"),
                &[("decision", "accept")],
            )
            .await;
        let list: Vec<Value> = manager.server.get("/api/v1/referrals").await.json();
        let person = list
            .iter()
            .find(|r| r["last_name"] == last_name)
            .and_then(|r| r["person_id"].as_str())
            .unwrap_or_default()
            .to_owned();
        let file = format!("/beneficiaries/{person}");
        let opened = manager.submit(&file, &format!("{file}/espace"), &[]).await;
        let location = opened
            .maybe_header("location")
            .map(|l| l.to_str().unwrap_or_default().replace(&person, "ID"));
        let page = manager.server.get(&format!("{file}?saved=1")).await.text();
        let space = [
            "a son espace",
            "pas encore d&#39;espace",
            "déjà un autre compte",
        ]
        .map(|m| page.contains(m));
        answers.push((opened.status_code(), location, opened.text(), space));
        files.push(person);
    }
    println!(
        "{:?}",
        answers
            .iter()
            .map(|a| (a.0, a.1.clone(), a.3))
            .collect::<Vec<_>>()
    );
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:#?}");
    assert_eq!(answers[0].0, StatusCode::SEE_OTHER);

    // The other operator's coach is asked; nothing is attached until they accept.
    t.app.run_due_jobs(parcours_app::now_ms()).await?;
    let emails = t.sent_emails();
    let mail = emails
        .iter()
        .find(|e| e.contains("To: coach@horizon.parcours.test"))
        .ok_or_else(|| anyhow::anyhow!("no email to the owner in {emails:#?}"))?;
    assert!(!mail.contains("/connexion/"), "no sign-in link: {mail}");
    let token = crate::link_token(mail, "/rejoindre/")?;
    let scope = parcours_db::TenantScope::of(t.world.operator_id);
    let app = &t.app;
    let attached = |person: String| async move {
        let person = parcours_db::repo::people::find_person(app.db(), scope, person.parse()?)
            .await?
            .ok_or_else(|| anyhow::anyhow!("person"))?;
        anyhow::Ok(person.user_id.is_some())
    };
    assert!(
        !attached(files[2].clone()).await?,
        "attached before acceptance"
    );
    let link = format!("/rejoindre/{token}");
    let owner = t.client()?;
    assert_eq!(owner.server.get(&link).await.status_code(), StatusCode::OK);
    assert!(!attached(files[2].clone()).await?, "attached by a visit");
    let accepted = owner.submit(&link, &link, &[]).await;
    assert_eq!(accepted.status_code(), StatusCode::SEE_OTHER);
    assert!(
        attached(files[2].clone()).await?,
        "attached after acceptance"
    );
    Ok(())
}
