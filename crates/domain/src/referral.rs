//! Referrals: a referrer (France Travail, a Mission locale…) sends a candidate to a
//! programme; the operator accepts or refuses with a reason; unanswered referrals expire.
//! Checking what a referrer typed, and the key that spots the same person twice.

use crate::role::{UnknownCode, coded_enum};
use std::fmt;
use std::str::FromStr;

use crate::email::Email;

coded_enum!(ReferralStatus, "referral status", {
    Submitted => "submitted",
    Accepted => "accepted",
    Refused => "refused",
    Expired => "expired",
});

coded_enum!(RefusalReason, "refusal reason", {
    NotEligible => "not_eligible",
    ProgrammeFull => "programme_full",
    Unreachable => "unreachable",
    DeclinedByPerson => "declined_by_person",
    Duplicate => "duplicate",
    BetterElsewhere => "better_elsewhere",
});

coded_enum!(Public, "target public", {
    Qpv => "qpv",
    Zrr => "zrr",
    Youth => "youth",
    SingleParent => "single_parent",
    SocialMinima => "social_minima",
    Rqth => "rqth",
    LowQualification => "low_qualification",
});

/// Days a referral waits for an answer before it expires.
pub const EXPIRES_AFTER_DAYS: i64 = 30;
pub const MAX_NAME: usize = 80;
pub const MAX_MOTIVATION: usize = 2_000;

/// A field refused, with a stable code the web layer words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReferralProblem {
    pub field: &'static str,
    pub code: &'static str,
}

/// What the referrer typed (a form, or a row of an import).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferralInput {
    pub first_name: String,
    pub last_name: String,
    /// YYYY-MM-DD.
    pub birth_date: String,
    pub email: String,
    pub phone: String,
    /// INSEE commune code (5 characters, Corsica 2A/2B).
    pub commune_code: String,
    /// Codes among [`Public`], separated by `;` or `,`.
    pub publics: String,
    pub motivation: String,
    /// The advisor who follows the person at the referring organisation, when they
    /// have no account: they follow the referral from a link sent to this address.
    pub advisor_email: String,
    /// The person agreed to be referred (the referrer attests it).
    pub consent: bool,
}

/// A referral once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub first_name: String,
    pub last_name: String,
    pub birth_date: String,
    pub birth_year: i32,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub commune_code: Option<String>,
    pub publics: Vec<Public>,
    pub motivation: Option<String>,
    pub advisor_email: Option<String>,
}

/// An optional email address, lower-cased; a problem on `field` when it is not one.
fn optional_email(
    field: &'static str,
    raw: &str,
    problems: &mut Vec<ReferralProblem>,
) -> Option<String> {
    match raw.trim() {
        "" => None,
        raw => match Email::parse(raw) {
            Ok(e) => Some(e.as_str().to_owned()),
            Err(_) => {
                problems.push(ReferralProblem {
                    field,
                    code: "invalid",
                });
                None
            }
        },
    }
}

fn name(field: &'static str, raw: &str, problems: &mut Vec<ReferralProblem>) -> String {
    let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        problems.push(ReferralProblem {
            field,
            code: "required",
        });
    } else if text.chars().count() > MAX_NAME {
        problems.push(ReferralProblem {
            field,
            code: "too_long",
        });
    } else if text.chars().any(|c| c.is_control() || c.is_ascii_digit()) {
        problems.push(ReferralProblem {
            field,
            code: "invalid",
        });
    }
    text
}

/// A cell a spreadsheet would run as a formula (=, +, -, @, tab, carriage return first).
pub fn looks_like_formula(raw: &str) -> bool {
    raw.trim_start_matches(' ')
        .starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// A real calendar date (YYYY-MM-DD, or DD/MM/YYYY as French spreadsheets write it),
/// between 1900 and `today_year` - 14 (nobody younger is referred).
fn birth_date(raw: &str, today_year: i32) -> Result<(String, i32), &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("required");
    }
    let french: Vec<&str> = raw.split('/').collect();
    let iso;
    let raw = if let [d, m, y] = french.as_slice() {
        iso = format!("{y}-{m:0>2}-{d:0>2}");
        iso.as_str()
    } else {
        raw
    };
    let parts: Vec<&str> = raw.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err("invalid");
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u8>(), d.parse::<u8>()) else {
        return Err("invalid");
    };
    let Ok(month) = time::Month::try_from(m) else {
        return Err("invalid");
    };
    if time::Date::from_calendar_date(y, month, d).is_err() || raw.len() != 10 {
        return Err("invalid");
    }
    if y < 1900 || y > today_year - 14 {
        return Err("out_of_range");
    }
    Ok((raw.to_owned(), y))
}

/// French phone numbers: ten digits starting with 0, or +33 and nine digits; spaces,
/// dots and dashes allowed. Kept as typed, normalised to digits for comparison.
pub fn phone_digits(raw: &str) -> Option<String> {
    let digits: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let national = if let Some(rest) = digits.strip_prefix("+33") {
        format!("0{rest}")
    } else {
        digits
    };
    (national.len() == 10
        && national.starts_with('0')
        && national.chars().all(|c| c.is_ascii_digit()))
    .then_some(national)
}

fn commune(raw: &str) -> Result<Option<String>, &'static str> {
    let code = raw.trim().to_ascii_uppercase();
    if code.is_empty() {
        return Ok(None);
    }
    let ok = code.len() == 5
        && (code.chars().all(|c| c.is_ascii_digit())
            || ((code.starts_with("2A") || code.starts_with("2B"))
                && code[2..].chars().all(|c| c.is_ascii_digit())));
    if ok { Ok(Some(code)) } else { Err("invalid") }
}

/// The publics, each code once; an unknown code is refused.
pub fn parse_publics(raw: &str) -> Result<Vec<Public>, &'static str> {
    let mut out = Vec::new();
    for code in raw
        .split([';', ','])
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let public: Public = code.parse().map_err(|_| "unknown")?;
        if !out.contains(&public) {
            out.push(public);
        }
    }
    Ok(out)
}

impl ReferralInput {
    /// Checks every field; all problems at once.
    pub fn check(&self, today_year: i32) -> Result<Candidate, Vec<ReferralProblem>> {
        let mut problems = Vec::new();
        // Refused before anything else: such a cell would run in a spreadsheet later.
        for (field, value) in [
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
            ("birth_date", &self.birth_date),
            ("email", &self.email),
            ("commune_code", &self.commune_code),
            ("publics", &self.publics),
            ("motivation", &self.motivation),
            ("advisor_email", &self.advisor_email),
        ] {
            if looks_like_formula(value) {
                problems.push(ReferralProblem {
                    field,
                    code: "formula",
                });
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let first_name = name("first_name", &self.first_name, &mut problems);
        let last_name = name("last_name", &self.last_name, &mut problems);
        let born = birth_date(&self.birth_date, today_year)
            .map_err(|code| {
                problems.push(ReferralProblem {
                    field: "birth_date",
                    code,
                })
            })
            .ok();
        let email = optional_email("email", &self.email, &mut problems);
        let advisor_email = optional_email("advisor_email", &self.advisor_email, &mut problems);
        let phone = match self.phone.trim() {
            "" => None,
            raw => {
                if phone_digits(raw).is_none() {
                    problems.push(ReferralProblem {
                        field: "phone",
                        code: "invalid",
                    });
                }
                Some(raw.to_owned())
            }
        };
        if email.is_none()
            && phone.is_none()
            && !problems
                .iter()
                .any(|p| p.field == "email" || p.field == "phone")
        {
            problems.push(ReferralProblem {
                field: "email",
                code: "email_or_phone",
            });
        }
        let commune_code = commune(&self.commune_code)
            .map_err(|code| {
                problems.push(ReferralProblem {
                    field: "commune_code",
                    code,
                })
            })
            .ok()
            .flatten();
        let publics = parse_publics(&self.publics)
            .map_err(|code| {
                problems.push(ReferralProblem {
                    field: "publics",
                    code,
                })
            })
            .unwrap_or_default();
        let motivation = self.motivation.trim();
        if motivation.chars().count() > MAX_MOTIVATION {
            problems.push(ReferralProblem {
                field: "motivation",
                code: "too_long",
            });
        }
        if !self.consent {
            problems.push(ReferralProblem {
                field: "consent",
                code: "required",
            });
        }
        match born {
            Some((birth_date, birth_year)) if problems.is_empty() => Ok(Candidate {
                first_name,
                last_name,
                birth_date,
                birth_year,
                email,
                phone,
                commune_code,
                publics,
                motivation: (!motivation.is_empty()).then(|| motivation.to_owned()),
                advisor_email,
            }),
            _ => Err(problems),
        }
    }
}

/// Letters only, lower case, accents folded: "Élodie  Le-Goff" → "elodielegoff".
fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| {
            let base = match c {
                'à' | 'â' | 'ä' | 'á' | 'ã' => 'a',
                'ç' => 'c',
                'é' | 'è' | 'ê' | 'ë' => 'e',
                'î' | 'ï' | 'í' => 'i',
                'ô' | 'ö' | 'ó' => 'o',
                'ù' | 'û' | 'ü' | 'ú' => 'u',
                'ÿ' => 'y',
                'œ' => 'o',
                'æ' => 'a',
                c => c,
            };
            base.is_alphabetic().then_some(base)
        })
        .collect()
}

impl Candidate {
    /// The keys under which the same person is recognised: name and birth date, with
    /// the email or with the phone (either matching is a duplicate).
    pub fn identity_keys(&self) -> Vec<String> {
        let (email, phone) = self.contact_keys();
        email.into_iter().chain(phone).collect()
    }

    /// The same keys apart: (with the email, with the phone). The database holds each
    /// unique among a programme's standing referrals, so that concurrent submissions
    /// of one person can't both be stored.
    pub fn contact_keys(&self) -> (Option<String>, Option<String>) {
        let who = format!(
            "{}|{}|{}",
            fold(&self.last_name),
            fold(&self.first_name),
            self.birth_date
        );
        (
            self.email
                .as_ref()
                .map(|email| format!("{who}|@{}", email.to_lowercase())),
            self.phone
                .as_deref()
                .and_then(phone_digits)
                .map(|digits| format!("{who}|#{digits}")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ReferralInput {
        ReferralInput {
            first_name: " Élodie ".into(),
            last_name: "Le  Goff".into(),
            birth_date: "1994-02-28".into(),
            email: "elodie@example.org".into(),
            phone: "06 12 34 56 78".into(),
            commune_code: "76540".into(),
            publics: "qpv; youth;qpv".into(),
            motivation: String::new(),
            advisor_email: " Conseil.Durand@FranceTravail.example ".into(),
            consent: true,
        }
    }

    #[test]
    fn a_good_referral_is_tidied() {
        let c = input().check(2026).unwrap();
        assert_eq!(
            (c.first_name.as_str(), c.last_name.as_str()),
            ("Élodie", "Le Goff")
        );
        assert_eq!(c.birth_year, 1994);
        assert_eq!(c.publics, vec![Public::Qpv, Public::Youth]);
        assert_eq!(c.motivation, None);
        assert_eq!(
            c.advisor_email.as_deref(),
            Some("conseil.durand@francetravail.example")
        );
    }

    #[test]
    fn every_problem_is_named() {
        let bad = ReferralInput {
            first_name: "".into(),
            last_name: "X".repeat(81),
            birth_date: "1994-02-30".into(),
            email: "nope".into(),
            phone: "12".into(),
            commune_code: "7654".into(),
            publics: "qpv;martian".into(),
            motivation: String::new(),
            advisor_email: "advisor at agency".into(),
            consent: false,
        };
        let problems = bad.check(2026).unwrap_err();
        let fields: Vec<(&str, &str)> = problems.iter().map(|p| (p.field, p.code)).collect();
        assert_eq!(
            fields,
            vec![
                ("first_name", "required"),
                ("last_name", "too_long"),
                ("birth_date", "invalid"),
                ("email", "invalid"),
                ("advisor_email", "invalid"),
                ("phone", "invalid"),
                ("commune_code", "invalid"),
                ("publics", "unknown"),
                ("consent", "required"),
            ]
        );
        let mut no_contact = input();
        no_contact.email.clear();
        no_contact.phone.clear();
        assert_eq!(
            no_contact.check(2026).unwrap_err(),
            vec![ReferralProblem {
                field: "email",
                code: "email_or_phone"
            }]
        );
        let mut child = input();
        child.birth_date = "2020-01-01".into();
        assert_eq!(child.check(2026).unwrap_err()[0].code, "out_of_range");
    }

    #[test]
    fn the_same_person_is_recognised_through_accents_spaces_and_phone_formats() {
        let a = input().check(2026).unwrap();
        let mut other = input();
        other.first_name = "elodie".into();
        other.last_name = "LE GOFF".into();
        other.email = String::new();
        other.phone = "+33 6.12.34.56.78".into();
        let b = other.check(2026).unwrap();
        assert!(
            a.identity_keys()
                .iter()
                .any(|k| b.identity_keys().contains(k))
        );
        let mut sibling = input();
        sibling.first_name = "Maël".into();
        let c = sibling.check(2026).unwrap();
        assert!(
            !a.identity_keys()
                .iter()
                .any(|k| c.identity_keys().contains(k))
        );
    }

    #[test]
    fn formulas_are_refused_and_french_dates_read() {
        let mut hostile = input();
        hostile.last_name = "=HYPERLINK(\"http://x\")".into();
        hostile.motivation = "@SUM(A1)".into();
        let problems = hostile.check(2026).unwrap_err();
        assert_eq!(
            problems,
            vec![
                ReferralProblem {
                    field: "last_name",
                    code: "formula"
                },
                ReferralProblem {
                    field: "motivation",
                    code: "formula"
                },
            ]
        );
        let mut french = input();
        french.birth_date = "8/2/1994".into();
        assert_eq!(french.check(2026).unwrap().birth_date, "1994-02-08");
        // A phone may start with +.
        let mut phone = input();
        phone.phone = "+33 6 12 34 56 78".into();
        assert!(phone.check(2026).is_ok());
    }

    #[test]
    fn phones_and_communes() {
        assert_eq!(
            phone_digits("06 12 34 56 78").as_deref(),
            Some("0612345678")
        );
        assert_eq!(phone_digits("+33612345678").as_deref(), Some("0612345678"));
        assert_eq!(phone_digits("612345678"), None);
        assert_eq!(commune("2a004"), Ok(Some("2A004".into())));
        assert_eq!(commune("7654a"), Err("invalid"));
    }
}

/// A programme's eligibility rules: target publics (any one is enough), an age band,
/// a territory (départements). Empty means no rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Eligibility {
    pub publics: Vec<Public>,
    pub min_age: Option<u8>,
    pub max_age: Option<u8>,
    pub departements: Vec<String>,
}

/// Where a candidate falls outside a programme's rules, as declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gap {
    Age,
    Public,
    Territory,
}

impl Gap {
    pub fn code(self) -> &'static str {
        match self {
            Gap::Age => "age",
            Gap::Public => "public",
            Gap::Territory => "territory",
        }
    }
}

/// The département of an INSEE commune code: 2 characters, 3 overseas (97x).
/// The publics as a bit set (bit i: `Public::ALL[i]`), how reports group them.
pub fn publics_mask(publics: &[Public]) -> i64 {
    publics.iter().fold(0, |mask, p| {
        let bit = Public::ALL.iter().position(|q| q == p).unwrap_or(0);
        mask | (1 << bit)
    })
}

pub fn departement_of(commune: &str) -> &str {
    if commune.starts_with("97") {
        commune.get(..3).unwrap_or(commune)
    } else {
        commune.get(..2).unwrap_or(commune)
    }
}

/// Whole years between a birth date (YYYY-MM-DD) and today.
pub fn age_on(birth_date: &str, today: time::Date) -> Option<i32> {
    let born = crate::opportunity::date(birth_date)?;
    let mut age = today.year() - born.year();
    if (today.month() as u8, today.day()) < (born.month() as u8, born.day()) {
        age -= 1;
    }
    Some(age)
}

impl Eligibility {
    /// The rules a candidate does not meet, from what was declared.
    pub fn gaps(
        &self,
        birth_date: &str,
        publics: &[Public],
        commune: Option<&str>,
        today: time::Date,
    ) -> Vec<Gap> {
        let mut gaps = Vec::new();
        if let Some(age) = age_on(birth_date, today)
            && (self.min_age.is_some_and(|m| age < i32::from(m))
                || self.max_age.is_some_and(|m| age > i32::from(m)))
        {
            gaps.push(Gap::Age);
        }
        if !self.publics.is_empty() && !publics.iter().any(|p| self.publics.contains(p)) {
            gaps.push(Gap::Public);
        }
        if !self.departements.is_empty()
            && !commune.is_some_and(|c| self.departements.iter().any(|d| d == departement_of(c)))
        {
            gaps.push(Gap::Territory);
        }
        gaps
    }
}

#[cfg(test)]
mod eligibility_tests {
    use super::*;

    fn day(y: i32, m: u8, d: u8) -> time::Date {
        time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap()
    }

    #[test]
    fn gaps_are_named_from_what_was_declared() {
        let rules = Eligibility {
            publics: vec![Public::Qpv, Public::Youth],
            min_age: Some(16),
            max_age: Some(25),
            departements: vec!["76".into(), "27".into()],
        };
        let today = day(2026, 11, 23);
        assert_eq!(
            rules.gaps("2004-11-24", &[Public::Qpv], Some("76540"), today),
            vec![]
        );
        assert_eq!(
            rules.gaps("1990-01-01", &[Public::Rqth], Some("75056"), today),
            vec![Gap::Age, Gap::Public, Gap::Territory]
        );
        assert_eq!(age_on("2000-11-24", today), Some(25));
        assert_eq!(age_on("2000-11-23", today), Some(26));
        assert_eq!(departement_of("97411"), "974");
        assert_eq!(departement_of("2A004"), "2A");
        assert!(
            Eligibility::default()
                .gaps("1950-01-01", &[], None, today)
                .is_empty()
        );
    }
}
