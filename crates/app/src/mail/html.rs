//! The HTML alternative of an email, made from its text template: the same words,
//! paragraphs kept, web links clickable. One source of truth for the wording (the
//! `.txt` templates), and mail readers that prefer HTML show it well.

/// Escapes text for an HTML element or a double-quoted attribute.
fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// One line, its `http(s)://` words turned into links.
fn line(text: &str, out: &mut String) {
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.starts_with("https://") || word.starts_with("http://") {
            out.push_str("<a href=\"");
            escape(word, out);
            out.push_str("\">");
            escape(word, out);
            out.push_str("</a>");
        } else {
            escape(word, out);
        }
    }
}

pub(super) fn from_text(subject: &str, text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2 + 200);
    out.push_str("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
    escape(subject, &mut out);
    out.push_str("</title>\n</head>\n<body>\n");
    let normalised = text.replace("\r\n", "\n");
    for paragraph in normalised.split("\n\n") {
        let lines: Vec<&str> = paragraph.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.is_empty() {
            continue;
        }
        out.push_str("<p>");
        for (i, l) in lines.iter().enumerate() {
            if i > 0 {
                out.push_str("<br>\n");
            }
            line(l, &mut out);
        }
        out.push_str("</p>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::from_text;

    #[test]
    fn paragraphs_lines_and_links_are_kept_and_text_escaped() {
        let html = from_text(
            "Votre lien <Parcours>",
            "Bonjour,\n\nOuvrez ce lien :\nhttps://p.test/connexion/a?b=1&c=2\n\nL'équipe",
        );
        assert!(
            html.contains("<title>Votre lien &lt;Parcours&gt;</title>"),
            "{html}"
        );
        assert!(html.contains("<p>Bonjour,</p>"), "{html}");
        assert!(
            html.contains(
                "<p>Ouvrez ce lien :<br>\n<a href=\"https://p.test/connexion/a?b=1&amp;c=2\">https://p.test/connexion/a?b=1&amp;c=2</a></p>"
            ),
            "{html}"
        );
        assert!(html.contains("<p>L&#39;équipe</p>"), "{html}");
    }
}
