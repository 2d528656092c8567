//! Per-request context: the signed-in user (from the session cookie), the language,
//! and the CSRF token forms must carry. Built once by a middleware, read by handlers.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{ACCEPT_LANGUAGE, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use parcours_app::auth::Actor;

use crate::AppState;
use crate::errors::HttpError;
use crate::i18n::Lang;

pub const SESSION_COOKIE: &str = "parcours_session";
pub const CSRF_COOKIE: &str = "parcours_csrf";
pub const LANG_COOKIE: &str = "parcours_lang";

#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub actor: Option<Actor>,
    /// The token this request's forms must echo: the session's, or before sign-in
    /// the browser's anonymous double-submit cookie.
    pub csrf: String,
    /// The anonymous token the browser actually sent (None on its first visit).
    pub sent_anon_csrf: Option<String>,
    pub path: String,
    pub client_ip: String,
    /// The request's time, read once from the app's clock (tests move that clock).
    pub now: i64,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| HttpError::internal_msg("request context missing"))
    }
}

/// The signed-in actor: every handler that needs someone signed in takes it (with the
/// [`Ctx`] too when it renders a page). When nobody is signed in it answers
/// [`HttpError::Unauthenticated`]: a page redirects to the sign-in page, the API answers
/// 401 problem+json. Put it after `Ctx` and before the path's ids and the body.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let ctx = Ctx::from_request_parts(parts, state).await?;
        ctx.actor.map(SignedIn).ok_or(HttpError::Unauthenticated)
    }
}

/// The value of one cookie, if the browser sent it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value. HttpOnly and SameSite=Lax always; Secure behind TLS.
pub fn set_cookie(name: &str, value: &str, max_age_secs: Option<i64>, secure: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age_secs {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=1; Max-Age=0"))
}

fn looks_like_token(v: &str) -> bool {
    v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit())
}

pub async fn load_context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let actor = match cookie(headers, SESSION_COOKIE) {
        Some(token) => match state.app.session_actor(token).await {
            Ok(actor) => actor,
            Err(e) => {
                tracing::error!(error = %e, "session lookup failed");
                None
            }
        },
        None => None,
    };
    let lang = cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .or_else(|| {
            actor
                .as_ref()
                .and_then(|a| Lang::parse(&a.locale).filter(|l| *l != Lang::Fr))
        })
        .or_else(|| {
            headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default();
    let sent_anon_csrf = cookie(headers, CSRF_COOKIE)
        .filter(|v| looks_like_token(v))
        .map(str::to_owned);
    let new_anon_csrf = sent_anon_csrf.is_none().then(parcours_app::random_token);
    let csrf = match &actor {
        Some(a) => a.csrf_token.clone(),
        None => sent_anon_csrf
            .clone()
            .or_else(|| new_anon_csrf.clone())
            .unwrap_or_default(),
    };
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let client_ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
    req.extensions_mut().insert(Ctx {
        lang,
        actor,
        csrf,
        sent_anon_csrf,
        path,
        client_ip,
        now: state.app.now(),
    });
    let mut response = next.run(req).await;
    if let Some(token) = new_anon_csrf {
        response.headers_mut().append(
            SET_COOKIE,
            set_cookie(CSRF_COOKIE, &token, None, state.secure_cookies),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=1; parcours_lang=en; b=2"),
        );
        assert_eq!(cookie(&h, "parcours_lang"), Some("en"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
