//! The outcomes report as text for the terminal (the operator's command line): a
//! presentation of the domain's report, like the synthesis PDF beside it.

use parcours_domain::outcome::OutcomesReport;

fn figure_text(f: &parcours_domain::outcome::Figure) -> String {
    match f {
        parcours_domain::outcome::Figure::Shown { count, percent } => {
            format!("{count:>8}  {percent:>5.1} %")
        }
        parcours_domain::outcome::Figure::Hidden { .. } => format!("{:>8}", "suppressed"),
    }
}

fn section_text(out: &mut String, s: &parcours_domain::outcome::Section, indent: &str) {
    use std::fmt::Write;
    let participants = match s.participants {
        parcours_domain::outcome::ParticipantsFigure::Count(n) => n.to_string(),
        parcours_domain::outcome::ParticipantsFigure::Hidden { .. } => "suppressed".into(),
    };
    let _ = writeln!(out, "{indent}participants {participants}");
    let _ = writeln!(out, "{indent}status (percent of participants)");
    for (k, f) in &s.status {
        let _ = writeln!(out, "{indent}  {:<14}{}", k.code(), figure_text(f));
    }
    let _ = writeln!(out, "{indent}outcomes among finished (percent of finished)");
    for (k, f) in &s.outcomes_among_finished {
        let _ = writeln!(out, "{indent}  {:<14}{}", k.code(), figure_text(f));
    }
    let _ = writeln!(out, "{indent}labels among finished");
    for (k, f) in [
        ("durable", &s.durable_employment),
        ("transition", &s.transition_employment),
        ("positive", &s.positive_exits),
        ("dynamic", &s.dynamic_exits),
    ] {
        let _ = writeln!(out, "{indent}  {k:<14}{}", figure_text(f));
    }
}

/// The report as text for the terminal: the whole programme, each breakdown, then what
/// each figure means.
pub fn report_text(slug: &str, r: &OutcomesReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Outcomes of {slug} (minimum cell {}, label rule v{}: durable = CDI or a contract of {}+ months{})",
        r.min_cell,
        r.rule.version,
        r.rule.durable_months,
        if r.rule.business_is_durable {
            ", or a business created"
        } else {
            ""
        }
    );
    section_text(&mut out, &r.overall, "");
    for (title, rows) in [
        ("by public", &r.by_public),
        ("by referrer", &r.by_referrer),
        ("by département", &r.by_departement),
        ("by entry quarter", &r.by_entry_quarter),
    ] {
        let _ = writeln!(out, "\n{title}");
        if rows.is_empty() {
            let _ = writeln!(out, "  (none)");
        }
        for (key, section) in rows {
            let _ = writeln!(out, "  {key}");
            section_text(&mut out, section, "    ");
        }
    }
    let _ = writeln!(out, "\ndefinitions");
    for (key, text) in parcours_domain::outcome::DEFINITIONS {
        let _ = writeln!(out, "  {key}: {text}");
    }
    out
}
