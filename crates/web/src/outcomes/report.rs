//! A programme's outcomes report: the page, its small-cell and rule settings, the API.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use parcours_app::AppError;
use parcours_app::outcomes::ProgrammeReport;
use parcours_domain::outcome::{Figure, ParticipantStatus, ParticipantsFigure, Section, Situation};
use serde::Deserialize;

use super::*;
use crate::AppState;
use crate::context::{Ctx, SignedIn};
use crate::errors::HttpError;
use crate::i18n::Lang;
use crate::kit::{IdPath, Page, PageResult, SavedQuery, field_messages, render, see_other};
use parcours_domain::ids::ProgrammeId;

/// One line of a chart and its table.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    /// None: suppressed.
    pub count: Option<u64>,
    pub percent: Option<f64>,
    /// Bar length in the 0–100 viewBox.
    pub width: f64,
}

pub(super) fn bar(label: String, f: &Figure) -> Bar {
    match f {
        Figure::Shown { count, percent } => Bar {
            label,
            count: Some(*count),
            percent: Some(*percent),
            width: percent.clamp(0.0, 100.0),
        },
        Figure::Hidden { .. } => Bar {
            label,
            count: None,
            percent: None,
            width: 0.0,
        },
    }
}

/// One row of a breakdown table.
#[derive(Debug, Clone)]
pub struct BreakdownRow {
    pub key: String,
    pub participants: Option<u64>,
    pub finished: Bar,
    pub dropped: Bar,
    pub durable: Bar,
    pub dynamic: Bar,
}

#[derive(Debug, Clone)]
pub struct Chart {
    pub id: &'static str,
    pub title: String,
    pub bars: Vec<Bar>,
}

impl BreakdownRow {
    pub fn cells(&self) -> [&Bar; 4] {
        [&self.finished, &self.dropped, &self.durable, &self.dynamic]
    }
}

/// One time point (exit, +3, +6, +12 months): measured of due, and its situations and
/// labels as bars.
#[derive(Debug, Clone)]
pub struct PointTable {
    pub id: String,
    pub title: String,
    pub measured: Option<u64>,
    pub due: Option<u64>,
    pub rate: Option<f64>,
    pub bars: Vec<Bar>,
}

pub(super) fn point_tables(
    lang: Lang,
    r: &parcours_domain::outcome::OutcomesReport,
    m12: bool,
) -> Vec<PointTable> {
    let count = |f: &ParticipantsFigure| match f {
        ParticipantsFigure::Count(n) => Some(*n),
        ParticipantsFigure::Hidden { .. } => None,
    };
    r.followup
        .iter()
        .filter(|(k, f)| {
            **k != parcours_domain::outcome::FollowUpPoint::Month12
                || m12
                || count(&f.measured).is_some_and(|n| n > 0)
        })
        .map(|(k, f)| {
            let mut bars: Vec<Bar> = f
                .situations
                .iter()
                .map(|(s, fig)| bar(situation_label(lang, *s), fig))
                .collect();
            bars.extend([
                bar(lang.t("label-durable"), &f.labels.durable_employment),
                bar(lang.t("label-transition"), &f.labels.transition_employment),
                bar(lang.t("label-positive"), &f.labels.positive_exits),
                bar(lang.t("label-dynamic"), &f.labels.dynamic_exits),
            ]);
            PointTable {
                id: format!("followup-{}", k.code()),
                title: lang.t(&format!("outcomes-followup-{}", k.code())),
                measured: count(&f.measured),
                due: count(&f.due),
                rate: f.response_rate,
                bars,
            }
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct Breakdown {
    pub id: &'static str,
    pub title: String,
    pub rows: Vec<BreakdownRow>,
}

#[derive(Template)]
#[template(path = "outcomes.html")]
pub(super) struct OutcomesPage {
    pub(super) p: Page,
    pub(super) view: ProgrammeReport,
    pub(super) notice: Option<String>,
    pub(super) errors: Vec<String>,
    pub(super) participants: Option<u64>,
    /// Status, outcomes at exit, labels, and dynamic exits by entry quarter (outcomes
    /// over time).
    pub(super) charts: Vec<Chart>,
    pub(super) breakdowns: Vec<Breakdown>,
    /// The situation at exit and at each follow-up point.
    pub(super) points: Vec<PointTable>,
    pub(super) definitions: Vec<(String, String)>,
}

pub(super) fn participants_of(s: &Section) -> Option<u64> {
    match s.participants {
        ParticipantsFigure::Count(n) => Some(n),
        ParticipantsFigure::Hidden { .. } => None,
    }
}

pub(super) fn status_label(lang: Lang, s: ParticipantStatus) -> String {
    lang.t(&format!(
        "participant-status-{}",
        s.code().replace('_', "-")
    ))
}

pub(super) fn situation_label(lang: Lang, s: Situation) -> String {
    lang.t(&format!("situation-{}", s.code().replace('_', "-")))
}

pub(super) fn hidden() -> Figure {
    Figure::Hidden { suppressed: true }
}

pub(super) fn breakdown_rows(
    lang: Lang,
    rows: &std::collections::BTreeMap<String, Section>,
    key_label: impl Fn(&str) -> String,
) -> Vec<BreakdownRow> {
    rows.iter()
        .map(|(key, s)| BreakdownRow {
            key: key_label(key),
            participants: participants_of(s),
            finished: bar(
                status_label(lang, ParticipantStatus::Finished),
                s.status
                    .get(&ParticipantStatus::Finished)
                    .unwrap_or(&hidden()),
            ),
            dropped: bar(
                status_label(lang, ParticipantStatus::Dropped),
                s.status
                    .get(&ParticipantStatus::Dropped)
                    .unwrap_or(&hidden()),
            ),
            durable: bar(lang.t("label-durable"), &s.durable_employment),
            dynamic: bar(lang.t("label-dynamic"), &s.dynamic_exits),
        })
        .collect()
}

pub(super) fn outcomes_page(
    ctx: &Ctx,
    view: ProgrammeReport,
    notice: Option<String>,
    errors: Vec<String>,
) -> OutcomesPage {
    let lang = ctx.lang;
    let r = &view.report;
    let status: Vec<Bar> = r
        .overall
        .status
        .iter()
        .map(|(k, f)| bar(status_label(lang, *k), f))
        .collect();
    let outcomes: Vec<Bar> = r
        .overall
        .outcomes_among_finished
        .iter()
        .map(|(k, f)| bar(situation_label(lang, *k), f))
        .collect();
    let labels = vec![
        bar(lang.t("label-durable"), &r.overall.durable_employment),
        bar(lang.t("label-transition"), &r.overall.transition_employment),
        bar(lang.t("label-positive"), &r.overall.positive_exits),
        bar(lang.t("label-dynamic"), &r.overall.dynamic_exits),
    ];
    let unknown = lang.t("outcomes-unknown");
    let named = |k: &str| {
        if k == parcours_domain::outcome::UNKNOWN {
            unknown.clone()
        } else {
            k.to_owned()
        }
    };
    let breakdowns = vec![
        Breakdown {
            id: "by-public",
            title: lang.t("outcomes-by-public"),
            rows: breakdown_rows(lang, &r.by_public, |k| {
                lang.t(&format!("public-{}", k.replace('_', "-")))
            }),
        },
        Breakdown {
            id: "by-referrer",
            title: lang.t("outcomes-by-referrer"),
            rows: breakdown_rows(lang, &r.by_referrer, named),
        },
        Breakdown {
            id: "by-departement",
            title: lang.t("outcomes-by-departement"),
            rows: breakdown_rows(lang, &r.by_departement, named),
        },
        Breakdown {
            id: "by-quarter",
            title: lang.t("outcomes-by-quarter"),
            rows: breakdown_rows(lang, &r.by_entry_quarter, named),
        },
    ];
    let over_time: Vec<Bar> = r
        .by_entry_quarter
        .iter()
        .map(|(k, s)| bar(named(k), &s.dynamic_exits))
        .collect();
    let definitions = parcours_domain::outcome::DEFINITIONS
        .iter()
        .map(|(k, _)| {
            (
                lang.t(&format!("outcomes-term-{}", k.replace('_', "-"))),
                lang.t(&format!("outcomes-def-{}", k.replace('_', "-"))),
            )
        })
        .collect();
    OutcomesPage {
        p: Page::new(
            ctx,
            lang.t_args(
                "outcomes-title",
                &[(
                    "name",
                    fluent_templates::fluent_bundle::FluentValue::from(view.programme.name.clone()),
                )],
            ),
        ),
        participants: participants_of(&r.overall),
        charts: vec![
            Chart {
                id: "status",
                title: lang.t("outcomes-status-title"),
                bars: status,
            },
            Chart {
                id: "exit",
                title: lang.t("outcomes-exit-title"),
                bars: outcomes,
            },
            Chart {
                id: "labels",
                title: lang.t("outcomes-labels-title"),
                bars: labels,
            },
            Chart {
                id: "drop-reasons",
                title: lang.t("outcomes-drop-reasons-title"),
                bars: r
                    .drop_reasons
                    .iter()
                    .map(|(k, f)| {
                        bar(
                            lang.t(&format!("drop-reason-{}", k.code().replace('_', "-"))),
                            f,
                        )
                    })
                    .collect(),
            },
            Chart {
                id: "over-time",
                title: lang.t("outcomes-over-time-title"),
                bars: over_time,
            },
        ],
        breakdowns,
        points: point_tables(lang, r, view.follow_up_m12),
        definitions,
        view,
        notice,
        errors,
    }
}

pub async fn results(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ProgrammeId>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let view = state.app.programme_report(&actor, id.into()).await?;
    let page = outcomes_page(&ctx, view, q.notice(ctx.lang), Vec::new());
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct MinCellForm {
    min_cell: String,
}

pub async fn set_min_cell(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ProgrammeId>,
    axum::Form(form): axum::Form<MinCellForm>,
) -> PageResult {
    let programme = id.uuid();
    match state
        .app
        .set_programme_min_cell(&actor, programme, &form.min_cell)
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/programmes/{programme}/resultats?saved=1"
        ))),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.programme_report(&actor, programme).await?;
            let messages = field_messages(ctx.lang, "outcomes", &errors);
            let page = outcomes_page(&ctx, view, None, messages);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct RuleForm {
    durable_months: String,
    /// "yes" when a business created counts as durable employment.
    business_is_durable: String,
}

pub async fn change_rule(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ProgrammeId>,
    axum::Form(form): axum::Form<RuleForm>,
) -> PageResult {
    let programme = id.uuid();
    match state
        .app
        .change_label_rule(
            &actor,
            programme,
            &form.durable_months,
            form.business_is_durable == "yes",
        )
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/programmes/{programme}/resultats?saved=1"
        ))),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.programme_report(&actor, programme).await?;
            let messages = field_messages(ctx.lang, "outcomes", &errors);
            let page = outcomes_page(&ctx, view, None, messages);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A programme's outcomes report for its manager or funder: the same keys as
/// `parcours report outcomes --format json`, with the same cells hidden as on the
/// results page and its exports.
#[utoipa::path(get, path = "/api/v1/programmes/{id}/outcomes",
    params(("id" = uuid::Uuid, Path, description = "Programme id")),
    responses(
        (status = 200, description = "The report (participants, status, outcomes_among_finished, labels, breakdowns, rule, min_cell; a hidden figure is {\"suppressed\": true})"),
        (status = 401, description = "Not signed in"),
        (status = 403, description = "The role may not read this programme's results"),
        (status = 404, description = "No such programme among yours")
))]
pub async fn api_report(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
    IdPath(id): IdPath<ProgrammeId>,
) -> Result<axum::Json<serde_json::Value>, HttpError> {
    let view = report_view(&state, &actor, id).await?;
    serde_json::to_value(&view.report)
        .map(axum::Json)
        .map_err(|e| HttpError::internal("report json", e))
}
