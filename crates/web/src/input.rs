//! The text rule (see `parcours_domain::text`) applied once, in front of every handler,
//! to every form body, JSON body and query string: a field holding a control character
//! is refused before any handler runs (so a new field cannot escape the rule), and the
//! line breaks of the others reach the handler as LF.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use fluent_templates::fluent_bundle::FluentValue;
use parcours_domain::text::{ControlCharacter, first_refused, normalise_line_breaks};

use crate::context::Ctx;
use crate::errors::{FieldProblem, HttpError};
use crate::kit::{ErrorPage, Page, render};

/// The largest body read here: the router's own limit (bigger ones are refused anyway).
const MAX_BYTES: usize = crate::MAX_BODY_BYTES;

/// A field that broke the rule: its name (`note`, `answers.0.value`) and the character.
struct Refused {
    field: String,
    character: ControlCharacter,
}

enum Kind {
    Form,
    Json,
    Other,
}

fn kind_of(req: &Request) -> Kind {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if essence == "application/x-www-form-urlencoded" {
        Kind::Form
    } else if essence == "application/json" || essence.ends_with("+json") {
        Kind::Json
    } else {
        Kind::Other
    }
}

fn check(field: &str, text: &str) -> Result<(), Refused> {
    match first_refused(text) {
        Some(character) => Err(Refused {
            field: field.to_owned(),
            character,
        }),
        None => Ok(()),
    }
}

/// Pairs of a query string or form body: refused, or rewritten when a value held a CR.
fn form_pairs(encoded: &[u8]) -> Result<Option<Vec<u8>>, Refused> {
    // Not a form at all: the handler's extractor answers it as before.
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(encoded) else {
        return Ok(None);
    };
    let mut changed = false;
    let mut cleaned = Vec::with_capacity(pairs.len());
    for (key, value) in pairs {
        check(&key, &key)?;
        check(&key, &value)?;
        let value = match normalise_line_breaks(&value) {
            std::borrow::Cow::Borrowed(_) => value,
            std::borrow::Cow::Owned(v) => {
                changed = true;
                v
            }
        };
        cleaned.push((normalise_line_breaks(&key).into_owned(), value));
    }
    if !changed {
        return Ok(None);
    }
    Ok(serde_urlencoded::to_string(&cleaned)
        .ok()
        .map(String::into_bytes))
}

/// Every string (and key) of a JSON value, checked and normalised in place; true when
/// something changed.
fn json_strings(path: &str, value: &mut serde_json::Value) -> Result<bool, Refused> {
    let field = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        serde_json::Value::String(s) => {
            check(if path.is_empty() { "body" } else { path }, s)?;
            if s.contains('\r') {
                *s = normalise_line_breaks(s).into_owned();
                return Ok(true);
            }
            Ok(false)
        }
        serde_json::Value::Array(items) => {
            let mut changed = false;
            for (i, item) in items.iter_mut().enumerate() {
                changed |= json_strings(&field(&i.to_string()), item)?;
            }
            Ok(changed)
        }
        serde_json::Value::Object(map) => {
            let mut changed = false;
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let name = field(&key);
                check(&name, &key)?;
                if let Some(item) = map.get_mut(&key) {
                    changed |= json_strings(&name, item)?;
                }
                if key.contains('\r') {
                    if let Some(item) = map.remove(&key) {
                        map.insert(normalise_line_breaks(&key).into_owned(), item);
                    }
                    changed = true;
                }
            }
            Ok(changed)
        }
        _ => Ok(false),
    }
}

fn json_body(bytes: &[u8]) -> Result<Option<Vec<u8>>, Refused> {
    let Ok(mut value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(None);
    };
    if !json_strings("", &mut value)? {
        return Ok(None);
    }
    Ok(serde_json::to_vec(&value).ok())
}

/// The refusal: problem+json naming the field under `/api/`, else a page in the
/// user's language naming it (the browser's Back button returns to the filled form).
fn refuse(ctx: Option<&Ctx>, is_api: bool, refused: &Refused) -> Response {
    let message = format!("`{}`: {}", refused.field, refused.character);
    if is_api {
        return HttpError::Unprocessable(vec![FieldProblem {
            field: refused.field.clone(),
            code: "control_character".into(),
            message,
        }])
        .into_response();
    }
    let Some(ctx) = ctx else {
        return (StatusCode::UNPROCESSABLE_ENTITY, message).into_response();
    };
    let lang = ctx.lang;
    let text = lang.t_args(
        "error-control-character-text",
        &[
            ("field", FluentValue::from(refused.field.clone())),
            (
                "code",
                FluentValue::from(format!("U+{:04X}", u32::from(refused.character.character))),
            ),
        ],
    );
    match render(&ErrorPage {
        p: Page::new(ctx, lang.t("error-control-character-title")),
        message: text,
        reference: None,
    }) {
        Ok(page) => (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
        Err(_) => (StatusCode::UNPROCESSABLE_ENTITY, message).into_response(),
    }
}

pub async fn text_rule(req: Request, next: Next) -> Response {
    let ctx = req.extensions().get::<Ctx>().cloned();
    let is_api = req.uri().path().starts_with("/api/");
    // Query strings: refused, never rewritten (they are read, not stored).
    if let Some(query) = req.uri().query()
        && let Err(refused) = form_pairs(query.as_bytes())
    {
        return refuse(ctx.as_ref(), is_api, &refused);
    }
    let kind = kind_of(&req);
    if matches!(kind, Kind::Other) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BYTES).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let rewritten = match kind {
        Kind::Form => form_pairs(&bytes),
        Kind::Json => json_body(&bytes),
        Kind::Other => Ok(None),
    };
    let body = match rewritten {
        Err(refused) => return refuse(ctx.as_ref(), is_api, &refused),
        Ok(Some(new)) => {
            parts
                .headers
                .insert(header::CONTENT_LENGTH, HeaderValue::from(new.len()));
            Body::from(new)
        }
        Ok(None) => Body::from(bytes),
    };
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_refused_or_normalised() {
        let refused = form_pairs(b"_csrf=x&text=a%00b").err();
        assert_eq!(refused.map(|r| r.field), Some("text".to_owned()));
        let refused = form_pairs(b"a%1Bkey=v").err();
        assert_eq!(refused.map(|r| r.field), Some("a\u{1b}key".to_owned()));
        assert_eq!(
            form_pairs(b"text=a%0D%0Ab").ok().flatten(),
            Some(b"text=a%0Ab".to_vec())
        );
        assert_eq!(form_pairs(b"text=a%0Ab%09").ok().flatten(), None);
    }

    #[test]
    fn json_strings_are_refused_or_normalised_at_any_depth() {
        let refused = json_body(br#"{"answers":[{"value":"x\u0000"}]}"#).err();
        assert_eq!(refused.map(|r| r.field), Some("answers.0.value".to_owned()));
        let refused = json_body(br#""\u0085""#).err();
        assert_eq!(refused.map(|r| r.field), Some("body".to_owned()));
        let out = json_body(br#"{"text":"a\r\nb","n":1}"#).ok().flatten();
        assert_eq!(out, Some(br#"{"n":1,"text":"a\nb"}"#.to_vec()));
        assert_eq!(json_body(br#"{"text":"a\u2028b"}"#).ok().flatten(), None);
        assert_eq!(json_body(b"not json").ok().flatten(), None);
    }
}
