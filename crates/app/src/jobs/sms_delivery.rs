//! The job that hands one queued SMS to the gateway (or the outbox).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::BackgroundJob;

/// One SMS of `sms_messages` is sent; an unreachable gateway is tried again with the
/// queue's backoff, a refusal (4xx) is final. `token`: the secret its delivery-report
/// URL carries (only its hash is stored with the message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsDelivery {
    pub sms_id: Uuid,
    pub token: String,
}

impl BackgroundJob for SmsDelivery {
    const KIND: &'static str = "sms.delivery";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stored_kind_and_payload_keep_their_shape() {
        let job = SmsDelivery {
            sms_id: Uuid::nil(),
            token: "abc".into(),
        };
        let json = serde_json::to_string(&job).unwrap();
        assert_eq!(
            json,
            r#"{"sms_id":"00000000-0000-0000-0000-000000000000","token":"abc"}"#
        );
        assert_eq!(serde_json::from_str::<SmsDelivery>(&json).unwrap(), job);
        assert_eq!(SmsDelivery::KIND, "sms.delivery");
    }
}
