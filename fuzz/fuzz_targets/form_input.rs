//! What people type into forms, decoded as the web layer decodes it (a URL-encoded
//! body) and checked by the application's parsers: contact details, a session slot,
//! an email address, a referral's publics, a piste decision. Every input is accepted
//! or refused field by field, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(fields) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(data) else {
        return;
    };
    let field = |i: usize| fields.get(i).map(|(_, v)| v.clone()).unwrap_or_default();
    let _ = parcours_app::people::ContactInput {
        email: field(0),
        phone: field(1),
        commune_code: field(2),
    }
    .parse();
    let _ = parcours_app::appointments::SlotInput {
        date: field(0),
        time: field(1),
        minutes: field(2),
        mode: field(3),
        place: field(4),
        count: field(5),
    }
    .parse(1_790_000_000_000);
    // The text rule: what it lets through holds no control but LF and TAB.
    for (_, value) in &fields {
        if let Ok(clean) = parcours_domain::text::clean(value) {
            assert!(!clean.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
        }
    }
    let _ = parcours_domain::email::Email::parse(&field(0));
    let _ = parcours_domain::referral::parse_publics(&field(1));
    let _ = parcours_domain::referral::phone_digits(&field(2));
    let _ = parcours_app::pistes::PisteOp::parse(&field(3), &field(4));
    let today = time::macros::date!(2026 - 11 - 24);
    let _ = parcours_domain::referral::age_on(&field(5), today);
});
