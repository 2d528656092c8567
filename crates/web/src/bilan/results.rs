//! An activity's results: the scales, the RIASEC hexagon drawn on the server, the sources.

use askama::Template;
use axum::extract::State;
use axum::response::IntoResponse;
use parcours_app::bilan::{ActivityStatus, Outcome, ResultView};
use parcours_domain::Role;
use parcours_domain::instrument::{Kind, Text};
use parcours_domain::scoring::{self, Change, Consistency, HEXAGON};

use super::*;
use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::HttpError;
use crate::i18n::Lang;
use crate::kit::{IdPath, Page, PageResult, render};
use parcours_app::auth::Actor;
use parcours_domain::ids::ActivityId;

pub(super) struct ScaleRow {
    label: String,
    score: Option<u32>,
    reading: String,
    answered: usize,
    items: usize,
}

#[derive(Template)]
#[template(path = "results.html")]
pub(super) struct ResultsPage {
    p: Page,
    title: String,
    headline: String,
    is_self: bool,
    back_href: String,
    rows: Vec<ScaleRow>,
    hexagon: Option<String>,
    ranked_items: Vec<(String, String)>,
    ranking: Vec<(String, Option<String>)>,
    facts: Vec<(String, String)>,
    excluded: usize,
    jobs: Vec<(String, String)>,
    life: Vec<String>,
    skills: Vec<(String, String)>,
    quality: Vec<String>,
    changes: Vec<String>,
    not_done: bool,
    /// A completed form the reader may still change (the constraints).
    can_edit: bool,
    resume_href: String,
}

/// An SVG hexagon of the six RIASEC scores, drawn on the server; the data table next to
/// it carries the same figures for screen readers.
pub fn hexagon_svg(lang: Lang, scores: &[(char, String, f64)]) -> String {
    let (cx, cy, r) = (160.0, 150.0, 110.0);
    let point = |i: usize, scale: f64| {
        let angle = std::f64::consts::PI / 3.0 * i as f64 - std::f64::consts::FRAC_PI_2;
        (cx + r * scale * angle.cos(), cy + r * scale * angle.sin())
    };
    let polygon = |scale: &dyn Fn(usize) -> f64| {
        (0..6)
            .map(|i| {
                let (x, y) = point(i, scale(i));
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut svg = format!(
        "<svg class=\"hexagon\" viewBox=\"0 0 320 300\" role=\"img\" aria-labelledby=\"hex-title\"><title id=\"hex-title\">{}</title>",
        escape(&lang.t("riasec-chart-title"))
    );
    for ring in [0.25, 0.5, 0.75, 1.0] {
        svg.push_str(&format!(
            "<polygon points=\"{}\" fill=\"none\" stroke=\"#8a8a8a\" stroke-width=\"1\"/>",
            polygon(&|_| ring)
        ));
    }
    let values: Vec<f64> = HEXAGON
        .iter()
        .map(|l| {
            scores
                .iter()
                .find(|s| s.0 == *l)
                .map_or(0.0, |s| s.2 / 100.0)
        })
        .collect();
    svg.push_str(&format!(
        "<polygon points=\"{}\" fill=\"#1d5fa8\" fill-opacity=\"0.35\" stroke=\"#0b3d75\" stroke-width=\"3\"/>",
        polygon(&|i| values[i].max(0.02))
    ));
    for (i, letter) in HEXAGON.iter().enumerate() {
        let (x, y) = point(i, 1.2);
        let label = scores
            .iter()
            .find(|s| s.0 == *letter)
            .map(|s| s.1.clone())
            .unwrap_or_default();
        svg.push_str(&format!(
            "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"middle\" dominant-baseline=\"middle\" font-size=\"14\" fill=\"#1a1a1a\">{}</text>",
            escape(&label)
        ));
    }
    svg.push_str("</svg>");
    svg
}

pub(super) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(super) fn results_page(
    ctx: &Ctx,
    actor: &Actor,
    result: &ResultView,
) -> Result<ResultsPage, HttpError> {
    let lang = ctx.lang;
    let detail = &result.detail;
    let instrument = &detail.instrument;
    let title = tx(lang, &instrument.title);
    let p = Page::new(
        ctx,
        lang.t_args("results-title", &[("title", title.clone().into())]),
    );
    let is_self = detail.can_answer || actor.role == Role::Beneficiary;
    let staff = actor.role != Role::Beneficiary;
    let mut rows = Vec::new();
    let mut hexagon = None;
    let mut ranked_items = Vec::new();
    let mut ranking = Vec::new();
    let mut facts = Vec::new();
    let mut excluded = 0;
    let mut jobs = Vec::new();
    let mut life = Vec::new();
    let mut skills = Vec::new();
    let mut quality = Vec::new();
    let headline;
    match &result.outcome {
        Outcome::Likert(likert) => {
            if instrument.reference_items.is_some() {
                for (item, value) in likert.ranked_items.iter().filter(|(_, v)| *v >= 4).take(8) {
                    let text = instrument
                        .item(item)
                        .map(|i| tx(lang, &i.text))
                        .unwrap_or_default();
                    let point = instrument
                        .points
                        .get(*value as usize - 1)
                        .map(|t| tx(lang, t))
                        .unwrap_or_default();
                    ranked_items.push((text, point));
                }
                headline = match ranked_items.first() {
                    Some((text, _)) => p.ta("interests-headline", "statement", text),
                    None => lang.t("interests-none"),
                };
            } else {
                for s in &likert.scales {
                    let Some(scale) = instrument.scale(&s.scale) else {
                        continue;
                    };
                    let reading = match s.score.map(scoring::band) {
                        Some(scoring::Band::High) => tx(lang, &scale.high),
                        Some(scoring::Band::Low) => tx(lang, &scale.low),
                        Some(scoring::Band::Middle) => lang.t("reading-middle"),
                        None => lang.t("reading-too-few"),
                    };
                    rows.push(ScaleRow {
                        label: tx(lang, &scale.label),
                        score: s.score.map(|v| v.round() as u32),
                        reading,
                        answered: s.answered,
                        items: s.items,
                    });
                }
                if let Some(code) = &likert.holland {
                    let names: Vec<String> = code
                        .code
                        .chars()
                        .filter_map(|c| {
                            instrument.scale(&c.to_string()).map(|s| tx(lang, &s.label))
                        })
                        .collect();
                    headline = p.ta2(
                        "holland-headline",
                        "code",
                        &code.code,
                        "names",
                        names.join(", "),
                    );
                    let scores: Vec<(char, String, f64)> = likert
                        .scales
                        .iter()
                        .filter_map(|s| {
                            let letter = s.scale.chars().next()?;
                            let label = instrument.scale(&s.scale).map(|sc| tx(lang, &sc.label))?;
                            Some((letter, label, s.score?))
                        })
                        .collect();
                    hexagon = Some(hexagon_svg(lang, &scores));
                    if staff {
                        quality.push(p.ta(
                            "holland-differentiation",
                            "points",
                            code.differentiation.round(),
                        ));
                        quality.push(lang.t(match code.consistency {
                            Consistency::High => "holland-consistency-high",
                            Consistency::Medium => "holland-consistency-medium",
                            Consistency::Low => "holland-consistency-low",
                        }));
                    }
                } else {
                    let mut scored: Vec<(&str, f64)> = likert
                        .scales
                        .iter()
                        .filter_map(|s| Some((s.scale.as_str(), s.score?)))
                        .collect();
                    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
                    let top: Vec<String> = scored
                        .iter()
                        .take(2)
                        .filter_map(|(id, _)| instrument.scale(id).map(|s| tx(lang, &s.label)))
                        .collect();
                    headline = if top.is_empty() {
                        lang.t("reading-too-few")
                    } else {
                        p.ta("scales-headline", "names", top.join(", "))
                    };
                }
            }
            if staff {
                for flag in &likert.quality {
                    quality.push(lang.t(&format!("quality-{}", flag.code().replace('_', "-"))));
                }
            }
        }
        Outcome::Ranking { ranked } => {
            for choice in ranked {
                ranking.push((tx(lang, &choice.label), choice.reason.clone()));
            }
            headline = match ranked.first() {
                Some(first) => p.ta("values-headline", "value", tx(lang, &first.label)),
                None => lang.t("values-none"),
            };
        }
        Outcome::Form {
            facts: list,
            excluded_contexts,
        } => {
            for fact in list {
                let shown = if fact.shown.is_empty() {
                    fact.value.clone()
                } else {
                    fact.shown
                        .iter()
                        .map(|t| tx(lang, t))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                facts.push((tx(lang, &fact.label), shown));
            }
            excluded = excluded_contexts.len();
            headline = lang.t("constraints-headline");
        }
        Outcome::Experiences(e) => {
            jobs = e
                .jobs
                .iter()
                .map(|j| (j.label.clone(), j.fiche_label.clone()))
                .collect();
            life = e.life.iter().map(|t| tx(lang, t)).collect();
            skills = e
                .confirmed()
                .map(|s| (s.label.clone(), sources_text(lang, &s.sources)))
                .collect();
            headline = p.ta("experiences-headline", "count", skills.len());
        }
    }
    let changes = result
        .changes
        .iter()
        .filter_map(|c| {
            let label = instrument.scale(&c.scale).map(|s| tx(lang, &s.label))?;
            let key = match c.reading.change {
                Change::Up => "change-up",
                Change::Down => "change-down",
                Change::Stable => "change-stable",
            };
            Some(lang.t_args(
                key,
                &[
                    ("scale", label.into()),
                    ("before", (c.reading.before.round() as i64).into()),
                    ("after", (c.reading.after.round() as i64).into()),
                ],
            ))
        })
        .collect();
    let back_href = if actor.role == Role::Beneficiary {
        "/parcours".to_owned()
    } else {
        format!("/beneficiaries/{}/parcours", detail.person_id)
    };
    Ok(ResultsPage {
        p,
        title,
        headline,
        is_self,
        back_href,
        rows,
        hexagon,
        ranked_items,
        ranking,
        facts,
        excluded,
        jobs,
        life,
        skills,
        quality,
        changes,
        not_done: detail.view.status != ActivityStatus::Done,
        can_edit: detail.can_answer
            && detail.view.status == ActivityStatus::Done
            && instrument.kind == Kind::Form,
        resume_href: format!("/activites/{}", detail.view.activity.id),
    })
}

pub(super) fn sources_text(lang: Lang, sources: &[Text]) -> String {
    sources
        .iter()
        .map(|t| tx(lang, t))
        .collect::<Vec<_>>()
        .join(" · ")
}

pub async fn results(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ActivityId>,
) -> PageResult {
    let result = state.app.results(&actor, id.into()).await?;
    Ok(render(&results_page(&ctx, &actor, &result)?)?.into_response())
}
