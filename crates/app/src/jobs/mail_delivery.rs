//! The job that hands one queued email to the SMTP relay.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::BackgroundJob;

/// One email of `mail_deliveries` is sent to the relay; a temporary failure is tried
/// again with the queue's backoff, a refusal (5xx) is final.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailDelivery {
    pub delivery_id: Uuid,
}

impl BackgroundJob for MailDelivery {
    const KIND: &'static str = "email.smtp_delivery";
}
