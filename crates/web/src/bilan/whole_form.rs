//! Whole-form activities (ranking, constraints): the form page and its submission.

use std::collections::BTreeMap;

use askama::Template;
use parcours_app::bilan::ActivityDetail;
use parcours_domain::instrument::{FieldType, Kind};
use uuid::Uuid;

use super::*;
use crate::context::Ctx;
use crate::errors::{FieldProblem, HttpError};
use crate::i18n::Lang;
use crate::kit::Page;

pub(super) struct ChoiceView {
    id: String,
    label: String,
    checked: bool,
}

pub(super) struct FormField {
    id: String,
    label: String,
    hint: Option<String>,
    kind: &'static str,
    value: String,
    unit: String,
    min: u32,
    max: u32,
    choices: Vec<ChoiceView>,
    error: Option<String>,
}

impl FormField {
    fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

#[derive(Template)]
#[template(path = "activity_form.html")]
pub(super) struct ActivityFormPage {
    p: Page,
    activity_id: Uuid,
    title: String,
    purpose: String,
    fields: Vec<FormField>,
    errors: Vec<(String, String)>,
}

pub(super) fn error_text(lang: Lang, e: &FieldProblem) -> String {
    let key = format!("answer-error-{}", e.code.replace('_', "-"));
    if lang.has(&key) {
        lang.t(&key)
    } else {
        e.message.clone()
    }
}

pub(super) fn form_page(
    ctx: &Ctx,
    detail: &ActivityDetail,
    typed: &BTreeMap<String, String>,
    problems: &[FieldProblem],
) -> Result<ActivityFormPage, HttpError> {
    let lang = ctx.lang;
    let instrument = &detail.instrument;
    let value_of = |id: &str| {
        typed
            .get(id)
            .cloned()
            .or_else(|| detail.answers.get(id).map(|a| a.value.clone()))
            .unwrap_or_default()
    };
    let error_of = |id: &str| {
        problems
            .iter()
            .find(|e| e.field == id)
            .map(|e| error_text(lang, e))
    };
    let mut fields = Vec::new();
    match instrument.kind {
        Kind::Ranking => {
            if let Some(r) = &instrument.ranking {
                for n in 1..=r.pick {
                    let id = format!("rank{n}");
                    let current = value_of(&id);
                    fields.push(FormField {
                        label: lang.t_args("ranking-rank", &[("n", n.into())]),
                        hint: None,
                        kind: "select",
                        value: current.clone(),
                        unit: String::new(),
                        min: 0,
                        max: 0,
                        choices: r
                            .options
                            .iter()
                            .map(|o| ChoiceView {
                                id: o.id.clone(),
                                label: tx(lang, &o.label),
                                checked: o.id == current,
                            })
                            .collect(),
                        error: error_of(&id),
                        id,
                    });
                }
                for n in 1..=r.reasons {
                    let id = format!("reason{n}");
                    fields.push(FormField {
                        label: lang.t_args("ranking-reason", &[("n", n.into())]),
                        hint: Some(lang.t("ranking-reason-hint")),
                        kind: "textarea",
                        value: value_of(&id),
                        unit: String::new(),
                        min: 0,
                        max: 0,
                        choices: Vec::new(),
                        error: error_of(&id),
                        id,
                    });
                }
            }
        }
        Kind::Form => {
            for f in &instrument.fields {
                let current = value_of(&f.id);
                let picked: Vec<&str> = current.split(',').collect();
                let (kind, unit, min, max, choices) = match &f.field_type {
                    FieldType::Commune => ("commune", String::new(), 0, 0, Vec::new()),
                    FieldType::Number { min, max, unit } => {
                        ("number", tx(lang, unit), *min, *max, Vec::new())
                    }
                    FieldType::YesNo => (
                        "radio",
                        String::new(),
                        0,
                        0,
                        vec![
                            ChoiceView {
                                id: "yes".into(),
                                label: lang.t("yes"),
                                checked: current == "yes",
                            },
                            ChoiceView {
                                id: "no".into(),
                                label: lang.t("no"),
                                checked: current == "no",
                            },
                        ],
                    ),
                    FieldType::Choice { choices } => (
                        "radio",
                        String::new(),
                        0,
                        0,
                        choices
                            .iter()
                            .map(|c| ChoiceView {
                                id: c.id.clone(),
                                label: tx(lang, &c.label),
                                checked: c.id == current,
                            })
                            .collect(),
                    ),
                    FieldType::Multi { choices } => (
                        "checkbox",
                        String::new(),
                        0,
                        0,
                        choices
                            .iter()
                            .map(|c| ChoiceView {
                                id: c.id.clone(),
                                label: tx(lang, &c.label),
                                checked: picked.contains(&c.id.as_str()),
                            })
                            .collect(),
                    ),
                };
                fields.push(FormField {
                    id: f.id.clone(),
                    label: tx(lang, &f.label),
                    hint: f.hint.as_ref().map(|h| tx(lang, h)),
                    kind,
                    value: current,
                    unit,
                    min,
                    max,
                    choices,
                    error: error_of(&f.id),
                });
            }
        }
        Kind::Likert | Kind::Experiences => {}
    }
    let errors = problems
        .iter()
        .map(|e| (e.field.clone(), error_text(lang, e)))
        .collect();
    let title = tx(lang, &instrument.title);
    Ok(ActivityFormPage {
        p: Page::new(ctx, title.clone()),
        activity_id: detail.view.activity.id,
        title,
        purpose: tx(lang, &instrument.purpose),
        fields,
        errors,
    })
}
