//! The uploaded files: a referrer's candidates (CSV in any delimiter and encoding, or
//! an Excel workbook) and an operator's participants file. Each is read into rows or
//! refused with a message, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = parcours_app::referrals::parse_import(data);
    let _ = parcours_app::outcomes::read_participants(data, 2026, None);
});
