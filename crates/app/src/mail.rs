//! Outgoing email. In development and tests every message is written as an `.eml`
//! file in the outbox folder. Messages never carry personal content beyond a greeting.

use std::path::Path;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};
use lettre::{FileTransport, Message, Transport};

use crate::AppError;

pub struct OutgoingMail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: String,
    /// A calendar file (.ics) sent along, if any.
    pub calendar: Option<CalendarFile>,
}

pub struct CalendarFile {
    pub filename: String,
    pub content: String,
}

/// Renders an email body from its template (`templates/email/`, French then English,
/// as every message is sent to people whose language the sender may not know).
pub fn body(template: &impl askama::Template) -> Result<String, AppError> {
    template
        .render()
        .map_err(|e| AppError::Internal(format!("email template: {e}")))
}

pub fn send(outbox: &Path, mail: OutgoingMail<'_>) -> Result<(), AppError> {
    std::fs::create_dir_all(outbox).map_err(|e| {
        AppError::Internal(format!("cannot create outbox {}: {e}", outbox.display()))
    })?;
    let message = Message::builder()
        .from(
            "Parcours <no-reply@parcours.invalid>"
                .parse()
                .map_err(|e| AppError::Internal(format!("sender address: {e}")))?,
        )
        .to(mail
            .to
            .parse()
            .map_err(|_| AppError::invalid("email", "invalid"))?)
        .subject(mail.subject);
    let message = match mail.calendar {
        None => message.header(ContentType::TEXT_PLAIN).body(mail.body),
        Some(file) => {
            let calendar = ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
                .map_err(|e| AppError::Internal(format!("calendar content type: {e}")))?;
            message.multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(mail.body))
                    .singlepart(Attachment::new(file.filename).body(file.content, calendar)),
            )
        }
    }
    .map_err(|e| AppError::Internal(format!("cannot build email: {e}")))?;
    FileTransport::new(outbox)
        .send(&message)
        .map_err(|e| AppError::Internal(format!("cannot write email: {e}")))?;
    Ok(())
}
