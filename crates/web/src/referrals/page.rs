//! The referrals page: the list, the referral form and the advisor's follow-up link.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use parcours_app::AppError;
use parcours_app::referrals::ReferralsView;
use parcours_domain::referral::{Public, ReferralInput, ReferralStatus, RefusalReason};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{ForgotForm, LinkKind, link_request, link_request_form};
use crate::context::{Ctx, SignedIn};
use crate::i18n::Lang;
use crate::kit::{Page, PageResult, field_messages, render, see_other};

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct ReferralForm {
    programme: String,
    first_name: String,
    last_name: String,
    birth_date: String,
    email: String,
    phone: String,
    commune_code: String,
    publics: Vec<String>,
    motivation: String,
    advisor_email: String,
    /// A checkbox: "yes" when ticked.
    consent: String,
}

#[derive(Template)]
#[template(path = "referrals.html")]
pub(super) struct ReferralsPage {
    p: Page,
    view: ReferralsView,
    notice: Option<String>,
    errors: Vec<String>,
    form: ReferralForm,
    import_errors: Vec<String>,
    publics: Vec<(&'static str, String)>,
    reasons: Vec<(&'static str, String)>,
}

impl ReferralsPage {
    fn status(&self, s: &ReferralStatus) -> String {
        self.p.coded("referral-status", s.code())
    }
    fn reason(&self, r: &RefusalReason) -> String {
        self.p.coded("refusal-reason", &r.code().replace('_', "-"))
    }
    fn public_checked(&self, code: &str) -> bool {
        self.form.publics.iter().any(|p| p == code)
    }
    fn publics_of(&self, codes: &str) -> String {
        codes
            .split(';')
            .filter(|c| !c.is_empty())
            .map(|c| self.p.coded("public", &c.replace('_', "-")))
            .collect::<Vec<_>>()
            .join(", ")
    }
    fn gaps(&self, gaps: &[parcours_domain::referral::Gap]) -> String {
        gaps.iter()
            .map(|g| self.p.coded("eligibility-gap", g.code()))
            .collect::<Vec<_>>()
            .join(", ")
    }
    fn cohorts_of(&self, programme: &Uuid) -> Vec<(Uuid, String)> {
        self.view
            .cohorts
            .iter()
            .filter(|c| c.programme_id == *programme)
            .map(|c| (c.id, format!("{} ({})", c.name, c.starts_on)))
            .collect()
    }
}

pub(super) fn publics(lang: Lang) -> Vec<(&'static str, String)> {
    Public::ALL
        .iter()
        .map(|p| {
            (
                p.code(),
                lang.t(&format!("public-{}", p.code().replace('_', "-"))),
            )
        })
        .collect()
}

pub(super) fn reasons(lang: Lang) -> Vec<(&'static str, String)> {
    RefusalReason::ALL
        .iter()
        .map(|r| {
            (
                r.code(),
                lang.t(&format!("refusal-reason-{}", r.code().replace('_', "-"))),
            )
        })
        .collect()
}

pub(super) fn page(
    ctx: &Ctx,
    view: ReferralsView,
    notice: Option<String>,
    errors: Vec<String>,
    form: ReferralForm,
    import_errors: Vec<String>,
) -> ReferralsPage {
    ReferralsPage {
        p: Page::new(ctx, ctx.lang.t("referrals-title")),
        view,
        notice,
        errors,
        form,
        import_errors,
        publics: publics(ctx.lang),
        reasons: reasons(ctx.lang),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ReferralsQuery {
    saved: String,
    imported: Option<usize>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    Query(q): Query<ReferralsQuery>,
) -> PageResult {
    let view = state.app.referrals(&actor).await?;
    let notice = match q.imported {
        Some(n) => Some(ctx.lang.t_args(
            "referrals-imported",
            &[(
                "count",
                fluent_templates::fluent_bundle::FluentValue::from(n),
            )],
        )),
        None => (!q.saved.is_empty()).then(|| ctx.lang.t("saved-notice")),
    };
    let page = page(
        &ctx,
        view,
        notice,
        Vec::new(),
        ReferralForm::default(),
        Vec::new(),
    );
    Ok(render(&page)?.into_response())
}

/// A referring advisor without an account asks for a new link to their referrals.
pub async fn advisor_request_page(ctx: Ctx) -> PageResult {
    link_request_form(&ctx, "", LinkKind::AdvisorFollow).respond(StatusCode::OK)
}

pub async fn advisor_request_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Form(form): axum::Form<ForgotForm>,
) -> PageResult {
    link_request(&state, &ctx, &form.email, LinkKind::AdvisorFollow).await
}

/// The referrals an advisor follows, from the link emailed to them (no account); an
/// unknown or expired link offers to send a new one.
pub async fn advisor_follow(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> PageResult {
    match state.app.advisor_referrals(&token).await {
        Ok(view) => {
            let mut page = page(
                &ctx,
                view,
                None,
                Vec::new(),
                ReferralForm::default(),
                Vec::new(),
            );
            page.p.title = ctx.lang.t("advisor-follow-title");
            Ok(([(header::REFERRER_POLICY, "no-referrer")], render(&page)?).into_response())
        }
        Err(AppError::NotFound) => {
            let mut page = link_request_form(&ctx, "", LinkKind::AdvisorFollow);
            page.intro = Some(ctx.lang.t("advisor-link-expired"));
            page.respond(StatusCode::GONE)
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) fn input_of(form: &ReferralForm) -> ReferralInput {
    ReferralInput {
        first_name: form.first_name.clone(),
        last_name: form.last_name.clone(),
        birth_date: form.birth_date.clone(),
        email: form.email.clone(),
        phone: form.phone.clone(),
        commune_code: form.commune_code.clone(),
        publics: form.publics.join(";"),
        motivation: form.motivation.clone(),
        advisor_email: form.advisor_email.clone(),
        consent: form.consent == "yes",
    }
}

/// The form as sent: publics is a group of checkboxes (a repeated key).
pub(super) fn referral_form(fields: Vec<(String, String)>) -> ReferralForm {
    let mut form = ReferralForm::default();
    for (name, value) in fields {
        match name.as_str() {
            "programme" => form.programme = value,
            "first_name" => form.first_name = value,
            "last_name" => form.last_name = value,
            "birth_date" => form.birth_date = value,
            "email" => form.email = value,
            "phone" => form.phone = value,
            "commune_code" => form.commune_code = value,
            "publics" => form.publics.push(value),
            "motivation" => form.motivation = value,
            "advisor_email" => form.advisor_email = value,
            "consent" => form.consent = value,
            _ => {}
        }
    }
    form
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    SignedIn(actor): SignedIn,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let form = referral_form(fields);
    let outcome = match form.programme.parse::<Uuid>() {
        Ok(programme) => state.app.refer(&actor, programme, &input_of(&form)).await,
        Err(_) => Err(AppError::invalid("programme", "required")),
    };
    match outcome {
        Ok(_) => Ok(see_other("/orientations?saved=1")),
        Err(AppError::Invalid(errors)) => {
            let view = state.app.referrals(&actor).await?;
            let messages = field_messages(ctx.lang, "referral", &errors);
            let page = page(&ctx, view, None, messages, form, Vec::new());
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
