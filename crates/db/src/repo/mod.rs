//! Repositories: small functions over any connection or transaction, so that a use
//! case can combine a change and its audit row in one transaction.
//!
//! The tenant rule: a function on tenant data takes a [`crate::TenantScope`] (or, for a
//! partner's view that spans operators, an [`crate::EmployerScope`],
//! [`crate::ReferrerScope`] or [`crate::FunderScope`]) as its second argument and filters
//! on it. The few that must cross tenants live in [`installation`] or in a file's
//! `unscoped` module, each with the reason.

pub mod appointments;
pub mod audit;
pub mod bilan;
pub mod documents;
pub mod generated;
pub mod installation;
pub mod journal;
/// The bilan's repository under its former name, for callers not yet renamed.
pub use bilan as journey;
pub mod messages;
pub mod notes;
pub mod opportunities;
pub mod outcomes;
pub mod people;
pub mod personal_data;
pub mod pistes;
pub mod placements;
pub mod plan;
pub mod privacy;
pub mod programme_admin;
pub mod programmes;
pub mod projects;
pub mod referrals;
pub mod selection;
pub mod setup;
pub mod sponsors;
pub mod staff;
pub mod surveys;
pub mod transfers;

use parcours_domain::UnknownCode;
use sea_orm::DbErr;

/// A stored code that no longer parses is a corrupt row: report it as a database error.
pub(crate) fn parse_code<T: std::str::FromStr<Err = UnknownCode>>(code: &str) -> Result<T, DbErr> {
    code.parse()
        .map_err(|e: UnknownCode| DbErr::Custom(e.to_string()))
}
