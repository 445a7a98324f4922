//! The report's sections: reject reasons with example rows, dedupe groups, honest-result
//! warnings and issues found while validating (requests over time are in `requests`). Each
//! writes one `<section>` (or nothing when it has nothing to say), escaping every value it did
//! not make itself.

use std::fmt::Write as _;

use super::facts::{Example, Facts, Merges, Reason, TOP_REASONS};
use super::text::{clip, esc, int, percent};

/// Cells shown per example row, and characters per cell.
const CELLS: usize = 8;
const CELL_CHARS: usize = 60;
const MESSAGE_CHARS: usize = 300;

/// Rejected and failed rows by reason, the top ones with example rows.
pub(crate) fn rejects(h: &mut String, f: &Facts) {
    let total: u64 = f.rejects.iter().map(|r| r.count).sum();
    if total == 0 {
        return;
    }
    let rows: u64 = f.outcomes.total();
    let _ = write!(
        h,
        "<section><h2>Rejected and failed rows: top reasons</h2><p class=\"muted\" \
         style=\"margin-top:-6px\">{} rows ({} of all) in {} reason{}. Every one is in \
         rejects.csv with its reason.</p><table><tr><th>Reason</th><th class=\"num\">Rows</th>\
         <th>Examples (row number in the file)</th></tr>",
        int(total),
        percent(total, rows),
        f.rejects.len(),
        plural(f.rejects.len() as u64)
    );
    for r in f.rejects.iter().take(TOP_REASONS) {
        let _ = write!(
            h,
            "<tr><td><code>{}</code>{}<br><span class=\"muted\">{} at {}</span></td>\
             <td class=\"num\">{}<br><span class=\"muted\">{}</span></td><td>",
            esc(&r.code),
            field_suffix(&r.field),
            esc(&r.state),
            esc(if r.stage.is_empty() { "?" } else { &r.stage }),
            int(r.count),
            percent(r.count, total)
        );
        examples(h, &r.examples, &f.headers, &r.field);
        h.push_str("</td></tr>");
    }
    h.push_str("</table>");
    more_reasons(h, &f.rejects);
    h.push_str("</section>");
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn field_suffix(field: &str) -> String {
    if field.is_empty() {
        String::new()
    } else {
        format!(" <span class=\"muted\">on</span> {}", esc(field))
    }
}

/// "N more reasons, M rows" under a table cut at [`TOP_REASONS`].
fn more_reasons(h: &mut String, reasons: &[Reason]) {
    if reasons.len() > TOP_REASONS {
        let rest: u64 = reasons[TOP_REASONS..].iter().map(|r| r.count).sum();
        let _ = write!(
            h,
            "<p class=\"note\">…and {} more reason{} covering {} rows.</p>",
            reasons.len() - TOP_REASONS,
            plural((reasons.len() - TOP_REASONS) as u64),
            int(rest)
        );
    }
}

/// Whether an input header names this contact field (`Date of Birth` ~ `dateOfBirth`).
fn header_matches(header: &str, field: &str) -> bool {
    let squash = |s: &str| {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect::<String>()
    };
    !field.is_empty() && squash(header) == squash(field)
}

fn examples(h: &mut String, examples: &[Example], headers: &[String], field: &str) {
    h.push_str("<ul class=\"ex\">");
    for e in examples {
        let _ = write!(
            h,
            "<li><span class=\"rown\">{}</span><span class=\"msg\">{}</span>",
            e.row,
            esc(&clip(&e.message, MESSAGE_CHARS))
        );
        let cells: Vec<String> = e
            .cells
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.trim().is_empty())
            .take(CELLS)
            .map(|(i, v)| {
                let header = headers.get(i).map_or("?", String::as_str);
                let value = esc(&clip(v, CELL_CHARS)).into_owned();
                let value = if header_matches(header, field) {
                    format!("<mark>{value}</mark>")
                } else {
                    value
                };
                format!("{}: {value}", esc(&clip(header, 30)))
            })
            .collect();
        if !cells.is_empty() {
            let _ = write!(h, "<span class=\"cells\">{}</span>", cells.join(" · "));
        }
        h.push_str("</li>");
    }
    h.push_str("</ul>");
}

/// Rows sharing a phone with another person (issue 21.1): not merged, and why.
pub(crate) fn shared_phone(h: &mut String, f: &Facts) {
    let Some((rows, without_phone)) = f.run.shared_phone else {
        return;
    };
    let verb = if rows == 1 { "shares" } else { "share" };
    let _ = write!(
        h,
        "<section><h2>Shared phones</h2><p>{} {} {verb} a phone with another person (another \
         email, another name) and {} not merged into them: HighLevel matches contacts by phone. \
         {} imported without the phone; the others are rejected as <code>phone_shared</code>. \
         <code>[dedupe] shared_phone</code> in the mapping chooses.</p></section>",
        int(rows),
        if rows == 1 { "row" } else { "rows" },
        if rows == 1 { "was" } else { "were" },
        int(without_phone),
    );
}

/// Dedupe groups: how many, their sizes, the largest.
pub(crate) fn merges(h: &mut String, m: &Merges) {
    if m.rows == 0 {
        return;
    }
    let _ = write!(
        h,
        "<section><h2>Merged duplicates</h2><div class=\"cards\">\
         <div class=\"card\"><div class=\"n\">{}</div><div class=\"l\">groups of one person</div></div>\
         <div class=\"card\"><div class=\"n\">{}</div><div class=\"l\">rows merged into another</div></div>",
        int(m.groups),
        int(m.rows)
    );
    for (size, groups) in m.sizes.iter().take(4) {
        let _ = write!(
            h,
            "<div class=\"card\"><div class=\"n\">{}</div><div class=\"l\">groups of {} rows</div></div>",
            int(*groups),
            size
        );
    }
    if m.sizes.len() > 4 {
        let rest: u64 = m.sizes[4..].iter().map(|s| s.1).sum();
        let _ = write!(
            h,
            "<div class=\"card\"><div class=\"n\">{}</div><div class=\"l\">larger groups</div></div>",
            int(rest)
        );
    }
    h.push_str(
        "</div><table><tr><th>Row kept</th><th class=\"num\">Rows in group</th>\
         <th>Matched on</th><th>Email</th><th>Phone</th></tr>",
    );
    for g in &m.largest {
        let _ = write!(
            h,
            "<tr><td><span class=\"rown\">{}</span></td><td class=\"num\">{}</td><td>{}</td>\
             <td>{}</td><td>{}</td></tr>",
            g.survivor,
            int(g.size),
            esc(&g.keys.replace(',', ", ")),
            esc(&clip(g.email.as_deref().unwrap_or("–"), CELL_CHARS)),
            esc(&clip(g.phone.as_deref().unwrap_or("–"), CELL_CHARS)),
        );
    }
    h.push_str(
        "</table><p class=\"note\">Each group was sent once, with its rows' fields merged; \
         duplicates.csv lists every merged row and the row it went into.</p></section>",
    );
}

/// Honest-result warnings: what HighLevel kept differently from what was sent.
pub(crate) fn warnings(h: &mut String, f: &Facts) {
    if f.warnings.is_empty() {
        return;
    }
    let total: u64 = f.warnings.iter().map(|r| r.count).sum();
    let _ = write!(
        h,
        "<section><h2>Warnings from HighLevel's answers</h2><p class=\"muted\" \
         style=\"margin-top:-6px\">{} warning{} on {} delivered row{}: the contact HighLevel \
         kept differs from what was sent (the row still counts as delivered).</p><table><tr>\
         <th>Warning</th><th class=\"num\">Rows</th><th>Examples (row number in the file)</th></tr>",
        int(total),
        plural(total),
        int(f.rows_with_warnings),
        plural(f.rows_with_warnings)
    );
    warning_rows(h, &f.warnings, &f.headers);
}

/// Warnings found while validating on the rows that were kept: what was dropped, cleaned or
/// repaired, with example rows (the full list is warnings.csv).
pub(crate) fn validate_warnings(h: &mut String, f: &Facts) {
    if f.validate_warnings.is_empty() {
        return;
    }
    let total: u64 = f.validate_warnings.iter().map(|r| r.count).sum();
    let _ = write!(
        h,
        "<section><h2>Warnings found while validating</h2><p class=\"muted\" \
         style=\"margin-top:-6px\">{} warning{} on {} row{} that {} kept: a bad value was \
         left out, or a value was cleaned or repaired. Every one is in warnings.csv (and in \
         success.csv's _warnings after an import).</p><table><tr><th>Warning</th>\
         <th class=\"num\">Times</th><th>Examples (row number in the file)</th></tr>",
        int(total),
        plural(total),
        int(f.rows_with_validate_warnings),
        plural(f.rows_with_validate_warnings),
        if f.rows_with_validate_warnings == 1 {
            "was"
        } else {
            "were"
        }
    );
    warning_rows(h, &f.validate_warnings, &f.headers);
}

/// The rows of a warnings table (code, count, example rows), then the end of its section.
fn warning_rows(h: &mut String, reasons: &[Reason], headers: &[String]) {
    for r in reasons.iter().take(TOP_REASONS) {
        let _ = write!(
            h,
            "<tr><td><code>{}</code>{}</td><td class=\"num\">{}</td><td>",
            esc(&r.code),
            field_suffix(&r.field),
            int(r.count)
        );
        examples(h, &r.examples, headers, &r.field);
        h.push_str("</td></tr>");
    }
    h.push_str("</table>");
    more_reasons(h, reasons);
    h.push_str("</section>");
}

/// Issue codes found while validating, blocking or not.
pub(crate) fn issues(h: &mut String, f: &Facts) {
    if f.issues.is_empty() {
        return;
    }
    h.push_str(
        "<section><h2>Issues found while validating</h2><p class=\"muted\" \
         style=\"margin-top:-6px\">A row can have several. Blocking ones rejected their row \
         (above); the others dropped the bad value and kept the row.</p><table><tr>\
         <th>Issue</th><th class=\"num\">Times found</th></tr>",
    );
    for (code, n) in &f.issues {
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td></tr>",
            esc(code),
            int(*n)
        );
    }
    h.push_str("</table></section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_fields_whatever_their_spelling() {
        assert!(header_matches("Date of Birth", "dateOfBirth"));
        assert!(header_matches("E-mail", "email"));
        assert!(!header_matches("Email", ""));
        assert!(!header_matches("Phone", "email"));
    }

    #[test]
    fn example_cells_are_escaped_clipped_and_the_field_marked() {
        let headers: Vec<String> = ["Email", "Note"].map(String::from).to_vec();
        let long = "x".repeat(500);
        let e = Example {
            row: 7,
            message: "bad <b>".into(),
            cells: vec!["<script>alert(1)</script>".into(), long],
        };
        let mut h = String::new();
        examples(&mut h, &[e], &headers, "email");
        assert!(!h.contains("<script>") && !h.contains("<b>"), "{h}");
        assert!(h.contains("<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>"));
        assert!(h.len() < 400, "{}", h.len());
    }
}
