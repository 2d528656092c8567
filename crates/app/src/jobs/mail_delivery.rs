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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_kind_and_payload_keep_their_shape() {
        let job = MailDelivery {
            delivery_id: Uuid::nil(),
        };
        let json = serde_json::to_string(&job).unwrap();
        assert_eq!(
            json,
            r#"{"delivery_id":"00000000-0000-0000-0000-000000000000"}"#
        );
        assert_eq!(serde_json::from_str::<MailDelivery>(&json).unwrap(), job);
        assert_eq!(MailDelivery::KIND, "email.smtp_delivery");
    }
}
