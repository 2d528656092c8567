//! Pure domain rules of Parcours: identities, roles, the access policy, journey phases.
//! No database, no HTTP, no clock: callers pass in everything a rule needs.

pub mod aggregate;
pub mod appointment;
pub mod caseload;
pub mod email;
pub mod ids;
pub mod instrument;
pub mod journal;
pub mod journey;
pub mod opportunity;
pub mod outcome;
pub mod placement;
pub mod plan;
pub mod policy;
pub mod project;
pub mod referral;
pub mod role;
pub mod scoring;
pub mod selection;
pub mod sms;
pub mod text;
pub mod workspace;

pub use email::{Email, EmailError};
pub use journey::Phase;
pub use policy::{Action, Relation, allows};
pub use role::{OrgKind, Role, UnknownCode};
