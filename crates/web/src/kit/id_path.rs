//! Ids in addresses, parsed by the extractor: `IdPath(person): IdPath<PersonId>`, or a
//! tuple for several segments (`IdPath((person, note)): IdPath<(PersonId, NoteId)>`,
//! a `String` for a segment that is not an id).

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::errors::HttpError;

/// The path's ids, typed. Anything that is not an id answers 404, exactly like an id
/// nobody has (axum's own `Path` would answer 400): an address that names nothing is
/// not found, however it is spelt.
#[derive(Debug, Clone, Copy)]
pub struct IdPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for IdPath<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(ids)) => Ok(IdPath(ids)),
            Err(PathRejection::FailedToDeserializePathParams(e)) if is_bad_id(e.kind()) => {
                Err(HttpError::NotFound.into_response())
            }
            // Bytes that are not UTF-8, a number that is not one (`/q/{n}`), a handler
            // asking for the wrong number of segments: answered as axum's `Path` answers.
            Err(other) => Err(other.into_response()),
        }
    }
}

/// An id that does not parse: the ids' serde (uuid's) fails with a custom error, which
/// axum reports as these two kinds; a number that does not parse is a `ParseError*`.
fn is_bad_id(kind: &ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::DeserializeError { .. } | ErrorKind::Message(_)
    )
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use parcours_domain::ids::{ActivityId, PersonId};
    use tower::ServiceExt;

    use super::*;

    fn app() -> Router {
        Router::new()
            .route(
                "/p/{id}",
                get(|IdPath(id): IdPath<PersonId>| async move { id.to_string() }),
            )
            .route(
                "/a/{id}/q/{n}",
                get(|IdPath((id, n)): IdPath<(ActivityId, usize)>| async move {
                    format!("{id} {n}")
                }),
            )
    }

    async fn status(uri: &str) -> StatusCode {
        let request = Request::get(uri).body(Body::empty()).unwrap();
        app().oneshot(request).await.unwrap().status()
    }

    #[tokio::test]
    async fn a_malformed_id_is_not_found_and_other_segments_answer_as_before() {
        let id = "0190f5a2-7c3e-7a1b-9d2e-1234567890ab";
        assert_eq!(status(&format!("/p/{id}")).await, StatusCode::OK);
        assert_eq!(status("/p/not-a-uuid").await, StatusCode::NOT_FOUND);
        assert_eq!(status("/p/1%27%20OR%201=1").await, StatusCode::NOT_FOUND);
        assert_eq!(status(&format!("/a/{id}/q/3")).await, StatusCode::OK);
        assert_eq!(status("/a/nope/q/3").await, StatusCode::NOT_FOUND);
        // Not an id: axum's own answers, as with `Path` before.
        assert_eq!(
            status(&format!("/a/{id}/q/x")).await,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(status("/p/%FF").await, StatusCode::BAD_REQUEST);
    }
}
