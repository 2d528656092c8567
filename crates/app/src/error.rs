use parcours_db::DbErr;

/// A problem with one field of a form or an API payload. `code` is a stable key the
/// web layer turns into a localised message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub code: &'static str,
}

/// Errors of the use cases. Internal details are logged, never shown.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("not signed in")]
    Unauthenticated,
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// Answers refused by an instrument's rules (unknown question, out of range…).
    #[error("invalid answers")]
    Answers(Vec<parcours_domain::instrument::AnswerError>),
    #[error("too many attempts")]
    RateLimited { retry_after_secs: u64 },
    #[error("database error: {0}")]
    Database(#[from] DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: &'static str, code: &'static str) -> Self {
        AppError::Invalid(vec![FieldError { field, code }])
    }
}
