//! Installation-wide repositories: data that belongs to no single operator, or that a
//! use case must reach before it knows the tenant. Only these may cross tenants, and a
//! caller reaches them through a path that says so (`repo::installation::…`).

/// Accounts, organisations and memberships: a user may belong to several tenants,
/// and sign-in finds the user by address before any tenant is known.
pub mod accounts;
/// The job queue: the runner claims due jobs of every tenant.
pub mod jobs;
/// Emails handed to an SMTP relay and where each one stands.
pub mod mail;
/// The reference catalog version in force, shared by every tenant.
pub mod reference;
/// Sessions, sign-in attempts and sign-in links: found by token hash or address,
/// before any tenant is known.
pub mod security;
/// Text messages handed to the SMS gateway, the numbers that answered STOP, each
/// operator's SMS rules (reports and incoming messages arrive with no tenant).
pub mod sms;
/// The operators (tenants) as the host administrator lists them: counts, no one's data.
pub mod tenants;
