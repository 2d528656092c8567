//! The public pages of an operator: privacy notice, accessibility statement and legal
//! notice, read without signing in and linked from every page's footer.
//!
//! Which operator they show: a signed-in member of an operator sees their own; anyone
//! else sees every operator of the installation (one on most hosts), each in its own
//! section, listed at the top when there are several. A host serving several operators
//! publishes each one's identity and texts, since each is the controller of its own
//! beneficiaries' data.

use askama::Template;
use axum::extract::State;
use axum::response::IntoResponse;
use parcours_app::setup::OrganisationSettings;

use crate::AppState;
use crate::context::Ctx;
use crate::kit::{Page, PageResult, render};

/// A paragraph or a heading of a public text (`## ` starts a heading).
pub(super) struct Block {
    pub heading: bool,
    pub text: String,
}

/// Splits a text on blank lines; a block starting with `## ` is a heading.
fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let normalised = text.replace("\r\n", "\n");
    for chunk in normalised.split("\n\n") {
        let chunk = chunk.trim();
        if chunk.is_empty() {
            continue;
        }
        // A heading is its block's first line; what follows it is a paragraph.
        let body = match chunk.strip_prefix("## ") {
            Some(rest) => {
                let (title, body) = rest.split_once('\n').unwrap_or((rest, ""));
                out.push(Block {
                    heading: true,
                    text: title.trim().to_owned(),
                });
                body
            }
            None => chunk,
        };
        let text = body
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if !text.is_empty() {
            out.push(Block {
                heading: false,
                text,
            });
        }
    }
    out
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

pub(super) struct OperatorView {
    pub name: String,
    pub siret: String,
    pub address: Vec<String>,
    pub contact_email: String,
    pub contact_phone: String,
    pub dpo_contact: Vec<String>,
    pub host: Vec<String>,
    pub blocks: Vec<Block>,
}

#[derive(Template)]
#[template(path = "setup/public.html")]
struct PublicPage {
    p: Page,
    /// `privacy`, `accessibility` or `legal`.
    kind: &'static str,
    operators: Vec<OperatorView>,
}

async fn public_page(
    state: &AppState,
    ctx: &Ctx,
    kind: &'static str,
    title_key: &str,
    text: fn(&OrganisationSettings) -> &str,
) -> PageResult {
    let mut operators = state.app.public_operators().await?;
    if let Some(actor) = &ctx.actor
        && operators.iter().any(|o| o.id == actor.organisation_id)
    {
        operators.retain(|o| o.id == actor.organisation_id);
    }
    let operators = operators
        .iter()
        .map(|o| OperatorView {
            name: o.name.clone(),
            siret: o.siret.clone(),
            address: lines(&o.address),
            contact_email: o.contact_email.clone(),
            contact_phone: o.contact_phone.clone(),
            dpo_contact: lines(&o.dpo_contact),
            host: lines(&o.host),
            blocks: blocks(text(o)),
        })
        .collect();
    let page = PublicPage {
        p: Page::new(ctx, ctx.lang.t(title_key)),
        kind,
        operators,
    };
    Ok(render(&page)?.into_response())
}

/// `/confidentialite`: the privacy notice.
pub async fn privacy_notice(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    public_page(&state, &ctx, "privacy", "public-privacy-title", |o| {
        &o.privacy_notice
    })
    .await
}

/// `/accessibilite`: the accessibility statement.
pub async fn accessibility(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    public_page(
        &state,
        &ctx,
        "accessibility",
        "public-accessibility-title",
        |o| &o.accessibility_statement,
    )
    .await
}

/// `/mentions-legales`: the legal notice (publisher, identifiers, contacts, host).
pub async fn legal_notice(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    public_page(&state, &ctx, "legal", "public-legal-title", |_| "").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_lines_split_paragraphs_and_double_hashes_make_headings() {
        let b = blocks("## Titre\n\nUne ligne\nqui continue.\r\n\r\n\n## Autre\nTexte");
        let got: Vec<(bool, &str)> = b.iter().map(|b| (b.heading, b.text.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (true, "Titre"),
                (false, "Une ligne qui continue."),
                (true, "Autre"),
                (false, "Texte"),
            ]
        );
    }
}
