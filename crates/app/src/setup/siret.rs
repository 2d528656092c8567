//! The SIRET, France's establishment identifier: 14 digits whose Luhn checksum holds.

/// La Poste's establishments share its SIREN and are numbered outside the Luhn rule:
/// their digits add up to a multiple of 5 instead.
const LA_POSTE_SIREN: &str = "356000000";

/// The 14 digits of a SIRET as typed (spaces allowed), or `None` when it is not one.
pub fn parse_siret(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let values: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
    let valid = if digits.starts_with(LA_POSTE_SIREN) && digits != "35600000000048" {
        values.iter().sum::<u32>().is_multiple_of(5)
    } else {
        luhn(&values)
    };
    valid.then_some(digits)
}

/// Luhn: from the right, every second digit doubled (less 9 when over 9); the sum
/// is a multiple of 10.
fn luhn(values: &[u32]) -> bool {
    let sum: u32 = values
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_real_sirets_with_or_without_spaces() {
        assert_eq!(
            parse_siret("120 027 016 00027").as_deref(),
            Some("12002701600027")
        );
        assert!(parse_siret("13000548100010").is_some());
        assert!(parse_siret("84123456700011").is_some());
    }

    #[test]
    fn refuses_a_wrong_check_digit_a_wrong_length_and_letters() {
        assert_eq!(parse_siret("12002701600026"), None);
        assert_eq!(parse_siret("84123456700012"), None);
        assert_eq!(parse_siret("1200270160002"), None);
        assert_eq!(parse_siret("120027016000271"), None);
        assert_eq!(parse_siret("1200270160002A"), None);
        assert_eq!(parse_siret(""), None);
    }

    #[test]
    fn la_poste_establishments_follow_their_own_rule() {
        // Digits adding up to 25: valid although Luhn refuses it; to 28: refused.
        assert!(parse_siret("35600000001235").is_some());
        assert!(parse_siret("35600000001238").is_none());
        // La Poste's head office follows Luhn like everyone else.
        assert!(parse_siret("35600000000048").is_some());
    }
}
