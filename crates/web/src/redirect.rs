//! Where a browser may be sent back to after sign-in or a language switch (`next=`).
//! Every such target goes through [`local_target`]: only a path of this site is
//! followed. Browsers are lenient (they drop tabs and newlines, read `\` as `/`, decode
//! what they are given), so the check is strict: printable ASCII only, one leading
//! slash, no backslash, no empty or dot segment in the path, and the same again after
//! percent-decoding; then the target is resolved against the site's address and must
//! keep its scheme, host and port.

use url::Url;

/// Longer targets are not ours (our longest pages are far below).
const MAX_TARGET_LEN: usize = 2048;
/// How many layers of percent-encoding are looked through.
const DECODE_ROUNDS: usize = 3;

/// Why a target is not followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// It leaves the site, or might in some browser: the default page is used instead.
    Offsite,
    /// It carries a CR or LF (an attempt to write a header): the request is refused.
    HeaderSplitting,
}

/// The target, if it is a path of this site, to use as is in a `Location` header.
pub fn local_target(raw: &str) -> Result<String, Refusal> {
    let mut layer = raw.as_bytes().to_vec();
    for round in 0..=DECODE_ROUNDS {
        if layer.iter().any(|b| *b == b'\r' || *b == b'\n') {
            return Err(Refusal::HeaderSplitting);
        }
        let text = std::str::from_utf8(&layer).map_err(|_| Refusal::Offsite)?;
        // What is sent must be plain ASCII; a decoded layer's path may hold letters
        // (é), never a control character or a space (its query may: `q=aide soignant`).
        let fits = if round == 0 {
            text.chars().all(|c| c.is_ascii_graphic())
        } else {
            path_of(text)
                .chars()
                .all(|c| !c.is_control() && !c.is_whitespace() && c != '\u{200b}')
        };
        if !fits || !plain_site_path(text) {
            return Err(Refusal::Offsite);
        }
        let decoded = percent_decode(&layer);
        if decoded == layer {
            break;
        }
        layer = decoded;
    }
    if stays_on_site(raw) {
        Ok(raw.to_owned())
    } else {
        Err(Refusal::Offsite)
    }
}

/// `next` as given, or `fallback` when it is missing or leaves the site.
pub fn target_or(next: Option<&str>, fallback: &str) -> Result<String, Refusal> {
    match next.map(local_target) {
        Some(Ok(target)) => Ok(target),
        Some(Err(Refusal::HeaderSplitting)) => Err(Refusal::HeaderSplitting),
        None | Some(Err(Refusal::Offsite)) => Ok(fallback.to_owned()),
    }
}

/// The path part of a target (before its query or fragment).
fn path_of(text: &str) -> &str {
    text.split(['?', '#']).next().unwrap_or_default()
}

/// One layer of the target: an absolute path with no backslash, whose path part has no
/// `//` and no `.` or `..` segment.
fn plain_site_path(text: &str) -> bool {
    if text.len() > MAX_TARGET_LEN || !text.starts_with('/') || text.contains('\\') {
        return false;
    }
    let segments: Vec<&str> = path_of(text).split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    segments
        .iter()
        .enumerate()
        .all(|(i, s)| (!s.is_empty() || i == last) && *s != "." && *s != "..")
}

/// Resolved against the site's address, the target keeps its scheme, host and port.
fn stays_on_site(target: &str) -> bool {
    let Ok(base) = Url::parse("https://site.invalid/") else {
        return false;
    };
    let Ok(resolved) = base.join(target) else {
        return false;
    };
    resolved.scheme() == base.scheme()
        && resolved.host_str() == base.host_str()
        && resolved.port_or_known_default() == base.port_or_known_default()
        && resolved.username().is_empty()
        && resolved.password().is_none()
}

/// `%XX` sequences decoded (invalid ones left as they are).
fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).and_then(|b| (*b as char).to_digit(16)),
                bytes.get(i + 2).and_then(|b| (*b as char).to_digit(16)),
            )
        {
            out.push(u8::try_from(hi * 16 + lo).unwrap_or(b'%'));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_of_the_site_are_kept_as_given() {
        for target in [
            "/",
            "/home",
            "/home/",
            "/explorer?q=aide%20soignant",
            "/explorer?q=aide+soignant%0909",
            "/explorer?q=http://ok.example//x",
            "/home?tri=etape&filtre=a-surveiller",
            "/beneficiaries/7d0e2a36-5b1a-4a6f-9c59-0d7b1f1a2b3c#space",
            "/m%C3%A9tiers",
        ] {
            assert_eq!(local_target(target), Ok(target.to_owned()), "{target:?}");
        }
    }

    #[test]
    fn anything_that_could_leave_the_site_is_refused() {
        let long = format!("/{}", "a".repeat(MAX_TARGET_LEN));
        for target in [
            "",
            "home",
            "evil.example",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "/\t\t/evil.example",
            "/%09/evil.example",
            "/%2F%2Fevil.example",
            "%2F%2Fevil.example",
            "/%2f%5cevil.example",
            "/%5C%5Cevil.example",
            "/%252F%252Fevil.example",
            "/%25252F%25252Fevil.example",
            "/.//evil.example",
            "/./\\evil.example",
            "/../evil.example",
            "/a/..//evil.example",
            "/%2e/%2fevil.example",
            "https://evil.example",
            "HTTPS://evil.example/home",
            "http:evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            "data:text/html,x",
            "/ /evil.example",
            "/\u{0}//evil.example",
            "/\u{b}/evil.example",
            "/\u{c}/evil.example",
            "/\u{7f}/evil.example",
            "/\u{3000}/evil.example",
            "/\u{ff0f}evil.example",
            "/\u{2215}evil.example",
            "/\u{200b}/evil.example",
            "/%E3%80%80/evil.example",
            "/%ff",
            long.as_str(),
        ] {
            assert_eq!(local_target(target), Err(Refusal::Offsite), "{target:?}");
        }
    }

    #[test]
    fn a_line_break_at_any_depth_is_header_splitting() {
        for target in [
            "/\r\n/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/home\r\nSet-Cookie: x=1",
            "\n//evil.example",
            "/%0d%0aSet-Cookie:x=1",
            "/%0A/evil.example",
            "/%250A/evil.example",
        ] {
            assert_eq!(
                local_target(target),
                Err(Refusal::HeaderSplitting),
                "{target:?}"
            );
        }
    }

    #[test]
    fn a_missing_or_offsite_target_falls_back() {
        assert_eq!(target_or(None, "/home"), Ok("/home".to_owned()));
        assert_eq!(target_or(Some("//x.example"), "/"), Ok("/".to_owned()));
        assert_eq!(
            target_or(Some("/entreprises"), "/"),
            Ok("/entreprises".to_owned())
        );
        assert_eq!(target_or(Some("/\n"), "/"), Err(Refusal::HeaderSplitting));
    }
}
