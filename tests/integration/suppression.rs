//! Suppression across every surface a funder reads: the home, the results page, its
//! CSV, XLSX and PDF, the API and the command line show the same figures and hide the
//! same cells, and no hidden cell can be derived exactly from all that is shown and
//! the relations that link the figures.

use std::collections::BTreeMap;

use parcours_domain::aggregate::Table;
use serde_json::Value;

use crate::TestResult;
use parcours_test_support::TestApp;

/// A figure as the CSV names it: (group, key, indicator).
type Key = (String, String, String);
/// `None`: hidden.
type Figures = BTreeMap<Key, Option<u64>>;

const SITUATIONS: [&str; 5] = [
    "employment",
    "training",
    "business",
    "job_search",
    "validating",
];
const STATUSES: [&str; 3] = ["in_progress", "finished", "dropped"];
const LABELS: [&str; 4] = [
    "durable_employment",
    "transition_employment",
    "positive_exits",
    "dynamic_exits",
];
const PARTITIONS: [&str; 3] = ["referrer", "departement", "entry_quarter"];

fn key(group: &str, k: &str, indicator: &str) -> Key {
    (group.to_owned(), k.to_owned(), indicator.to_owned())
}

fn count_cell(raw: &str) -> Option<u64> {
    raw.trim().parse::<f64>().ok().map(|f| f as u64)
}

/// The CSV (or workbook) lines: group, key, indicator, count, percent.
fn figures_of_lines(lines: &[Vec<String>]) -> Figures {
    lines
        .iter()
        .skip(1)
        .map(|l| (key(&l[0], &l[1], &l[2]), count_cell(&l[3])))
        .collect()
}

fn figure(v: &Value) -> Option<u64> {
    v.get("count")
        .and_then(Value::as_u64)
        .or_else(|| v.as_u64())
}

/// The report's JSON (command line or API) as the CSV's figures.
fn figures_of_json(slug: &str, json: &Value) -> Figures {
    let mut out = Figures::new();
    let mut section = |group: &str, k: &str, s: &Value| {
        out.insert(key(group, k, "participants"), figure(&s["participants"]));
        for st in STATUSES {
            out.insert(
                key(group, k, &format!("status.{st}")),
                figure(&s["status"][st]),
            );
        }
        for si in SITUATIONS {
            out.insert(
                key(group, k, &format!("outcome.{si}")),
                figure(&s["outcomes_among_finished"][si]),
            );
        }
        for l in LABELS {
            out.insert(key(group, k, l), figure(&s[l]));
        }
    };
    section("programme", slug, json);
    for (group, field) in [
        ("public", "by_public"),
        ("referrer", "by_referrer"),
        ("departement", "by_departement"),
        ("entry_quarter", "by_entry_quarter"),
    ] {
        if let Some(rows) = json[field].as_object() {
            for (k, s) in rows {
                section(group, k, s);
            }
        }
    }
    out
}

/// The tables of a page: per `aria-labelledby` section, its body rows as (label, cells).
fn html_tables(html: &str) -> BTreeMap<String, Vec<(String, Vec<String>)>> {
    let strip = |s: &str| {
        let mut out = String::new();
        let mut in_tag = false;
        for c in s.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.replace("&nbsp;", " ")
            .replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
            .trim()
            .to_owned()
    };
    let mut tables = BTreeMap::new();
    for part in html
        .split("<section class=\"card\" aria-labelledby=\"")
        .skip(1)
    {
        let id = part.split('"').next().unwrap_or_default().to_owned();
        let Some(body) = part
            .split("<tbody>")
            .nth(1)
            .and_then(|b| b.split("</tbody>").next())
        else {
            continue;
        };
        let rows = body
            .split("<tr>")
            .skip(1)
            .map(|row| {
                let label = row.split("</th>").next().map(strip).unwrap_or_default();
                let cells = row
                    .split("<td")
                    .skip(1)
                    .map(|td| strip(&format!("<td{}", td.split("</td>").next().unwrap_or(""))))
                    .collect();
                (label, cells)
            })
            .collect();
        tables.insert(id, rows);
    }
    tables
}

/// A shown cell's count ("31", "31 (62.0 %)"), or `None` for "masqué".
fn shown_count(cell: &str) -> Option<u64> {
    cell.split_whitespace().next().and_then(|t| t.parse().ok())
}

/// The keys each table of the results page shows, row by row, in the report's order.
fn page_layout(csv: &Figures) -> Vec<(&'static str, Vec<Vec<Key>>)> {
    let programme = csv
        .keys()
        .find(|k| k.0 == "programme")
        .map(|k| k.1.clone())
        .unwrap_or_default();
    let of_programme = |names: &[&str], prefix: &str| -> Vec<Vec<Key>> {
        names
            .iter()
            .map(|n| vec![key("programme", &programme, &format!("{prefix}{n}"))])
            .collect()
    };
    let rows_of = |group: &str, indicators: &[&str]| -> Vec<Vec<Key>> {
        let mut keys: Vec<&String> = csv.keys().filter(|k| k.0 == group).map(|k| &k.1).collect();
        keys.dedup();
        keys.into_iter()
            .map(|k| indicators.iter().map(|i| key(group, k, i)).collect())
            .collect()
    };
    let breakdown = [
        "participants",
        "status.finished",
        "status.dropped",
        "durable_employment",
        "dynamic_exits",
    ];
    vec![
        ("status", of_programme(&STATUSES, "status.")),
        ("exit", of_programme(&SITUATIONS, "outcome.")),
        (
            "labels",
            LABELS
                .iter()
                .map(|l| vec![key("programme", &programme, l)])
                .collect(),
        ),
        ("over-time", rows_of("entry_quarter", &["dynamic_exits"])),
        ("by-public", rows_of("public", &breakdown)),
        ("by-referrer", rows_of("referrer", &breakdown)),
        ("by-departement", rows_of("departement", &breakdown)),
        ("by-quarter", rows_of("entry_quarter", &breakdown)),
    ]
}

/// What one surface shows must be what the CSV shows: the same count, or hidden.
fn same(surface: &str, k: &Key, shown: Option<u64>, csv: &Figures) {
    assert_eq!(
        csv.get(k).copied().flatten(),
        shown,
        "{surface}: {k:?} differs from the CSV"
    );
}

/// The relations a reader knows between the figures, over every figure shown on any
/// surface (`home`: the phases of the funder's home, whose total is the programme's
/// participants), and the cells hidden that can nevertheless be derived.
fn derivable(csv: &Figures, home: &[Option<u64>], truth: &Figures) -> Vec<Key> {
    let mut t = Table::default();
    let mut index: BTreeMap<Key, usize> = BTreeMap::new();
    let mut hidden = Vec::new();
    for (k, v) in csv {
        index.insert(k.clone(), t.cell(v.unwrap_or(0)));
        hidden.push(v.is_none());
    }
    let at = |g: &str, k: &str, i: &str| index.get(&key(g, k, i)).copied();
    let mut sections: Vec<(String, String)> =
        csv.keys().map(|k| (k.0.clone(), k.1.clone())).collect();
    sections.dedup();
    for (g, k) in &sections {
        let cell = |i: &str| at(g, k, i);
        let many = |is: &[String]| is.iter().filter_map(|i| cell(i)).collect::<Vec<_>>();
        let (Some(p), Some(fin)) = (cell("participants"), cell("status.finished")) else {
            continue;
        };
        t.sum(p, &many(&STATUSES.map(|s| format!("status.{s}"))));
        t.sum(fin, &many(&SITUATIONS.map(|s| format!("outcome.{s}"))));
        let l = |i: &str| cell(i).unwrap_or(p);
        t.equal_sums(
            &[l("durable_employment"), l("transition_employment")],
            &[l("outcome.employment"), l("outcome.business")],
        );
        t.sum(
            l("dynamic_exits"),
            &[
                l("durable_employment"),
                l("transition_employment"),
                l("positive_exits"),
            ],
        );
    }
    let programme = sections
        .iter()
        .find(|(g, _)| g == "programme")
        .map(|s| s.1.clone())
        .unwrap_or_default();
    let indicators: Vec<String> = csv
        .keys()
        .filter(|k| k.0 == "programme")
        .map(|k| k.2.clone())
        .collect();
    for group in PARTITIONS {
        let keys: Vec<&String> = sections
            .iter()
            .filter(|s| s.0 == group)
            .map(|s| &s.1)
            .collect();
        if keys.is_empty() {
            continue;
        }
        for i in &indicators {
            let parts: Vec<usize> = keys.iter().filter_map(|k| at(group, k, i)).collect();
            if let Some(total) = at("programme", &programme, i) {
                t.sum(total, &parts);
            }
        }
    }
    if !home.is_empty() {
        let phases: Vec<usize> = home
            .iter()
            .map(|v| {
                hidden.push(v.is_none());
                t.cell(v.unwrap_or(0))
            })
            .collect();
        if let Some(total) = at("programme", &programme, "participants") {
            t.sum(total, &phases);
        }
    }
    let derived = t.derivable(&hidden);
    let keys: Vec<Key> = csv.keys().cloned().collect();
    // A hidden zero worked out identifies nobody (and the home's phases hide none).
    derived
        .iter()
        .enumerate()
        .filter(|(i, d)| **d && keys.get(*i).is_none_or(|k| truth.get(k) != Some(&Some(0))))
        .map(|(i, _)| {
            keys.get(i)
                .cloned()
                .unwrap_or_else(|| key("home", "phase", &i.to_string()))
        })
        .collect()
}

/// The funder's home table of a programme: the phases' counts and the total.
fn home_figures(html: &str, name: &str) -> Option<(Vec<Option<u64>>, Option<u64>)> {
    let table = html
        .split("<table class=\"data\">")
        .find(|t| t.contains(&format!("<caption>{name}</caption>")))?;
    let cell = |s: &str| {
        s.split("<td class=\"num\">")
            .nth(1)
            .and_then(|c| c.split("</td>").next())
            .map(|c| c.trim().replace(['\u{202f}', '\u{a0}', ' '], ""))
            .and_then(|c| c.parse::<u64>().ok())
    };
    let body = table.split("<tbody>").nth(1)?.split("</tbody>").next()?;
    let phases = body.split("<tr>").skip(1).map(cell).collect();
    let total = cell(table.split("<tfoot>").nth(1)?);
    Some((phases, total))
}

/// Reads every surface of one programme as its funder, checks they agree, and returns
/// the CSV's figures and the home's phases.
async fn read_every_surface(
    t: &TestApp,
    funder: &parcours_test_support::Client,
    slug: &str,
    name: &str,
) -> anyhow::Result<(Figures, Vec<Option<u64>>)> {
    let id = t.app.outcomes_report_by_slug(slug, None).await?.0;
    let base = format!("/programmes/{id}/resultats");
    let csv_text = funder.server.get(&format!("{base}.csv")).await.text();
    let lines: Vec<Vec<String>> = csv_text
        .trim_start_matches('\u{feff}')
        .lines()
        .map(|l| l.split(';').map(str::to_owned).collect())
        .collect();
    let csv = figures_of_lines(&lines);
    assert!(csv.len() > 13, "{csv_text}");

    // The workbook.
    let xlsx = funder
        .server
        .get(&format!("{base}.xlsx"))
        .await
        .as_bytes()
        .to_vec();
    {
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(xlsx))?;
        let sheet = book
            .worksheet_range_at(0)
            .ok_or_else(|| anyhow::anyhow!("no sheet"))??;
        let rows: Vec<Vec<String>> = sheet
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(figures_of_lines(&rows), csv, "xlsx");
    }

    // The API and the command line: the same JSON keys.
    let api: Value = funder
        .server
        .get(&format!("/api/v1/programmes/{id}/outcomes"))
        .await
        .json();
    // The JSON's follow-up points and drop reasons have their own shape, checked by the
    // outcomes tests; here the sections both surfaces share.
    let shared: Figures = csv
        .iter()
        .filter(|(k, _)| k.0 != "followup" && k.0 != "drop_reasons" && k.0 != "drop_reason")
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    assert_eq!(figures_of_json(slug, &api), shared, "api");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_parcours"))
        .args([
            "report",
            "outcomes",
            "--programme",
            slug,
            "--format",
            "json",
        ])
        .env("PARCOURS_DATABASE_URL", &t.database_url)
        .env_remove("PARCOURS_REF_DIR")
        .output()?;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli: Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(figures_of_json(slug, &cli), shared, "command line");
    for json in [&api, &cli] {
        let hidden = json["outcomes_among_finished"]
            .as_object()
            .map(|o| o.values().filter(|f| f.get("suppressed").is_some()).count());
        if let Some(n) = hidden.filter(|n| *n > 0) {
            assert!(n >= 2, "{json}");
        }
    }

    // The results page, table by table, then the PDF row by row.
    let page = funder.server.get(&base).await.text();
    let tables = html_tables(&page);
    let big = page
        .split("<p class=\"big-number\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .map(str::trim)
        .and_then(|s| s.parse::<u64>().ok());
    same("page", &key("programme", slug, "participants"), big, &csv);
    let pdf = crate::pdf_text(funder.server.get(&format!("{base}.pdf")).await.as_bytes())?;
    let mut from = 0;
    for (id, rows) in page_layout(&csv) {
        let shown = tables.get(id).cloned().unwrap_or_default();
        assert_eq!(shown.len(), rows.len(), "page table {id}: {shown:?}");
        for ((label, cells), keys) in shown.iter().zip(&rows) {
            let counts: Vec<Option<u64>> = cells
                .iter()
                .filter(|c| !c.ends_with('%') || c.contains('('))
                .map(|c| shown_count(c))
                .collect();
            let counts = if keys.len() == 1 {
                counts[..1].to_vec()
            } else {
                counts
            };
            assert_eq!(counts.len(), keys.len(), "page {id} {label}: {cells:?}");
            for (k, c) in keys.iter().zip(&counts) {
                same(&format!("page {id} {label}"), k, *c, &csv);
            }
            // The same row in the PDF, after the previous one (a long label wraps:
            // its first words start the row, and the row runs to the blank line that
            // ends it).
            let words: Vec<&str> = label.split_whitespace().collect();
            let head = &words[..words.len().min(2)];
            let line = pdf[from..]
                .lines()
                .find(|l| {
                    l.split_whitespace()
                        .take(head.len())
                        .eq(head.iter().copied())
                })
                .ok_or_else(|| anyhow::anyhow!("pdf: no row {label:?} after {from}:\n{pdf}"))?;
            let start = from + pdf[from..].find(line).unwrap_or(0);
            let line = pdf[start..].split("\n\n").next().unwrap_or(line);
            from = start + line.len();
            let mut tokens = line.split_whitespace().peekable();
            for w in &words {
                if tokens.peek() == Some(w) {
                    tokens.next();
                }
            }
            let pdf_counts: Vec<Option<u64>> = tokens
                .filter_map(|tok| match tok {
                    "masqué" => Some(None),
                    tok => tok.parse::<u64>().ok().map(Some),
                })
                .collect();
            assert_eq!(pdf_counts, counts, "pdf row {label:?}: {line}");
        }
    }
    assert!(pdf.contains("masqué"), "the PDF says what is hidden");

    // The home: the programme's total and phases, hidden as in the report.
    let home = funder.server.get("/home").await.text();
    let (phases, total) =
        home_figures(&home, name).ok_or_else(|| anyhow::anyhow!("no table for {name}: {home}"))?;
    same("home", &key("programme", slug, "participants"), total, &csv);
    assert_eq!(phases.len(), parcours_domain::Phase::ALL.len(), "{home}");
    Ok((csv, phases))
}

#[tokio::test]
async fn no_hidden_cell_can_be_derived_from_what_a_funder_reads() -> TestResult {
    let t = TestApp::spawn().await?;
    // Small cells everywhere: 5 businesses, referrers, départements and quarters of a
    // few people, on top of the demo programme's 100 people spread over the phases.
    t.app
        .import_participants(
            "normandie-2026",
            None,
            crate::outcomes::reference_cohort().as_bytes(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let funder = t.login_as("funder@demo.parcours.test").await?;
    for (slug, name) in [
        ("normandie-2026", "Parcours Normandie 2026"),
        ("normandie-2024", "Parcours Normandie 2024"),
    ] {
        let (csv, home) = read_every_surface(&t, &funder, slug, name).await?;
        let hidden = csv.values().filter(|v| v.is_none()).count();
        assert!(hidden > 0, "{slug}: the crafted programme has small cells");
        let (_, all) = t.app.outcomes_report_by_slug(slug, Some(1)).await?;
        let truth = figures_of_json(slug, &serde_json::to_value(&all)?);
        let derived = derivable(&csv, &home, &truth);
        assert!(
            derived.is_empty(),
            "{slug}: derivable hidden cells {derived:?}"
        );
        // A small cell is hidden wherever it sits.
        for (k, v) in &csv {
            assert!(!v.is_some_and(|n| n > 0 && n < 11), "{slug}: {k:?} = {v:?}");
        }
        assert!(
            !home.iter().flatten().any(|n| *n > 0 && *n < 11),
            "{home:?}"
        );
    }
    Ok(())
}

/// 40 people in long CDDs, 20 in short ones and `six` in a CDD of exactly 6 months,
/// all finished.
fn contracts_cohort(six: usize) -> String {
    let mut csv = String::from(
        "external_id,birth_year,commune,referrer,publics,entered_on,status,ended_on,drop_reason,outcome,contract_type,contract_months,training_qualifying\n",
    );
    let mut n = 0;
    for (months, count) in [(12, 40), (3, 20), (6, six)] {
        for _ in 0..count {
            n += 1;
            csv.push_str(&format!(
                "C{n:03},1980,76540,France Travail Rouen,youth,2025-02-03,finished,2025-10-15,,employment,cdd,{months},\n"
            ));
        }
    }
    csv
}

#[tokio::test]
async fn a_new_label_rule_that_would_single_people_out_is_refused() -> TestResult {
    let t = TestApp::spawn().await?;
    let programme = t.world.programme_id;
    t.app
        .import_participants("normandie-2026", None, contracts_cohort(1).as_bytes())
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let funder = t.login_as("funder@demo.parcours.test").await?;
    let page = format!("/programmes/{programme}/resultats");
    let (_, before) = t
        .app
        .outcomes_report_by_slug("normandie-2026", None)
        .await?;
    // 6 → 7 moves the one 6-month CDD from durable to transition; so would 6 → 12, and
    // 6 → 7 without businesses: each is refused, in plain French, and nothing changes.
    for (months, business) in [("7", "yes"), ("12", "yes"), ("7", "")] {
        let refused = funder
            .submit(
                &page,
                &format!("{page}/regle"),
                &[
                    ("durable_months", months),
                    ("business_is_durable", business),
                ],
            )
            .await;
        assert_eq!(
            refused.status_code(),
            axum_test::http::StatusCode::UNPROCESSABLE_ENTITY,
            "{months} {business}"
        );
        let text = refused.text();
        assert!(
            text.contains("Cette règle n&#39;est pas appliquée")
                || text.contains("Cette règle n'est pas appliquée"),
            "{text}"
        );
        assert!(text.contains("reconnaître ces personnes"), "{text}");
    }
    let (_, after) = t
        .app
        .outcomes_report_by_slug("normandie-2026", None)
        .await?;
    assert_eq!(after.rule, before.rule, "the rule in force is unchanged");
    assert_eq!(
        serde_json::to_value(&after)?,
        serde_json::to_value(&before)?,
        "the published report too"
    );
    // The definitions say how figures are hidden and why a rule may be refused.
    let text = funder.server.get(&page).await.text();
    assert!(
        text.contains("retrouvé exactement par calcul")
            && text.contains("règle de décompte est refusée"),
        "{text}"
    );
    Ok(())
}
