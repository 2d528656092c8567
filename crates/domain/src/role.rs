use std::fmt;
use std::str::FromStr;

/// A stored code that no variant matches (a corrupt row or a typo in a form).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} code `{code}`")]
pub struct UnknownCode {
    pub kind: &'static str,
    pub code: String,
}

/// Declares a closed set of stable string codes, stored in the database and used in URLs.
macro_rules! coded_enum {
    ($name:ident, $kind:literal, { $($variant:ident => $code:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }
        }

        impl FromStr for $name {
            type Err = UnknownCode;
            fn from_str(code: &str) -> Result<Self, Self::Err> {
                match code {
                    $($code => Ok($name::$variant),)+
                    _ => Err(UnknownCode { kind: $kind, code: code.to_owned() }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}
pub(crate) use coded_enum;

coded_enum!(OrgKind, "organisation kind", {
    Operator => "operator",
    Referrer => "referrer",
    Employer => "employer",
    Funder => "funder",
    Copilot => "copilot",
    // The installation itself (issue 25, item 6): the home of the host administrators,
    // who run the installation for several operators and see none of their data.
    Host => "host",
});

coded_enum!(Role, "role", {
    Beneficiary => "beneficiary",
    Coach => "coach",
    Referrer => "referrer",
    Employer => "employer",
    ProgrammeManager => "programme_manager",
    Funder => "funder",
    Admin => "admin",
    // An installation-level account (issue 25, item 6): creates operators and invites
    // their first administrator; opens no operator's data (the policy refuses it all).
    HostAdmin => "host_admin",
});

impl Role {
    /// The organisation kind a membership with this role must belong to.
    pub fn organisation_kind(self) -> OrgKind {
        match self {
            Role::Beneficiary | Role::Coach | Role::ProgrammeManager | Role::Admin => {
                OrgKind::Operator
            }
            Role::Referrer => OrgKind::Referrer,
            Role::Employer => OrgKind::Employer,
            Role::Funder => OrgKind::Funder,
            Role::HostAdmin => OrgKind::Host,
        }
    }
}

impl OrgKind {
    /// The role of a partner organisation's users: referrer, funder, or employer (for an
    /// employer and a co-pilot company alike); none for an operator or the host.
    pub fn partner_role(self) -> Option<Role> {
        match self {
            OrgKind::Referrer => Some(Role::Referrer),
            OrgKind::Funder => Some(Role::Funder),
            OrgKind::Employer | OrgKind::Copilot => Some(Role::Employer),
            OrgKind::Operator | OrgKind::Host => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.code().parse::<Role>(), Ok(*role));
        }
        for kind in OrgKind::ALL {
            assert_eq!(kind.code().parse::<OrgKind>(), Ok(*kind));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
