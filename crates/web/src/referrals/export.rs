//! Downloads: the referrals export and the attachment helpers other exports share.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use parcours_documents::spreadsheet;

use crate::AppState;
use crate::context::SignedIn;
use crate::errors::HttpError;

/// A CSV download for French Excel (see [`spreadsheet::csv`]), never cached on the way.
pub(crate) fn csv_attachment(
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
    filename: &str,
) -> Result<Response, HttpError> {
    let body = spreadsheet::csv(header, rows).map_err(|e| HttpError::internal("csv", e))?;
    Ok(attachment("text/csv; charset=utf-8", filename, body))
}

/// A file to download, never cached (exports hold personal or programme data).
pub(crate) fn attachment(content_type: &str, filename: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// The manager's export of the referrals received: `;`-separated with a BOM, so that
/// French Excel opens it as it is; no cell can run as a formula.
pub async fn export(
    State(state): State<AppState>,
    SignedIn(actor): SignedIn,
) -> Result<Response, HttpError> {
    let view = state.app.referrals(&actor).await?;
    if !view.deciding {
        return Err(HttpError::Forbidden);
    }
    let header = [
        "programme",
        "referrer",
        "first_name",
        "last_name",
        "birth_date",
        "email",
        "phone",
        "commune_code",
        "publics",
        "status",
        "refusal_reason",
        "submitted_on",
    ];
    let rows = view.lines.iter().map(|line| {
        let r = &line.referral;
        [
            line.programme_name.clone(),
            line.referrer_name.clone(),
            r.first_name.clone(),
            r.last_name.clone(),
            r.birth_date.clone(),
            r.email.clone().unwrap_or_default(),
            r.phone.clone().unwrap_or_default(),
            r.commune_code.clone().unwrap_or_default(),
            r.publics.clone(),
            r.status.code().to_owned(),
            r.refusal_reason
                .map(|x| x.code().to_owned())
                .unwrap_or_default(),
            crate::kit::iso_date(r.created_at),
        ]
        .to_vec()
    });
    csv_attachment(&header, rows, "orientations.csv")
}
