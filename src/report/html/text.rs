//! Text for the HTML report: escaping (every value that came from the input file, the ledger or
//! the server goes through [`esc`]), and numbers, percentages, sizes and durations written the
//! way a person reads them.

use std::borrow::Cow;
use std::time::Duration;

/// Escapes text for HTML element content and double- or single-quoted attribute values.
///
/// The five characters that can end a text node, an attribute or start markup are replaced;
/// everything else is safe in UTF-8 HTML, so a hand-written function is enough (no crate for
/// five replacements). A cell holding `<script>` shows as text and never runs.
pub(crate) fn esc(text: &str) -> Cow<'_, str> {
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
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
    Cow::Owned(out)
}

/// At most `max` characters of `text` (whitespace runs and control characters shown as one
/// space), with `…` when cut: a 10,000-character cell must not take over the page.
pub(crate) fn clip(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut space = false;
    for c in text.trim().chars() {
        if c.is_whitespace() || c.is_control() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
            count += 1;
        }
        space = false;
        if count >= max {
            out.push('…');
            return out;
        }
        out.push(c);
        count += 1;
    }
    out
}

/// `1234567` → `1,234,567` (as the estimate writes counts).
pub(crate) fn int(n: u64) -> String {
    crate::format::thousands(n)
}

/// `part` of `whole` as a percentage with one decimal (`<0.1%` for a non-zero sliver).
pub(crate) fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".to_string();
    }
    let p = part as f64 * 100.0 / whole as f64;
    if part > 0 && p < 0.1 {
        "<0.1%".to_string()
    } else {
        format!("{p:.1}%")
    }
}

/// A duration as a person says it: `850 ms`, `12.4 s`, `3 min 05 s`, `27 h 46 min`.
pub(crate) fn duration(d: Duration) -> String {
    let ms = d.as_millis() as u64;
    let secs = d.as_secs();
    match secs {
        0 => format!("{ms} ms"),
        1..=59 => format!("{:.1} s", d.as_secs_f64()),
        60..=3599 => format!("{} min {:02} s", secs / 60, secs % 60),
        _ => format!("{} h {:02} min", secs / 3600, secs % 3600 / 60),
    }
}

/// A clock offset for chart axes: `45 s`, `12:30` (min:s), `27:46:40` (h:min:s).
pub(crate) fn clock(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{}:{:02}", s / 60, s % 60)
    } else {
        format!("{}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
    }
}

/// Bytes as `512 B`, `13.4 KB`, `134.9 MB`, `2.1 GB` (powers of 1000, as file managers show).
pub(crate) fn bytes(n: u64) -> String {
    let n = n as f64;
    match n {
        n if n < 1e3 => format!("{n} B"),
        n if n < 1e6 => format!("{:.1} KB", n / 1e3),
        n if n < 1e9 => format!("{:.1} MB", n / 1e6),
        n => format!("{:.1} GB", n / 1e9),
    }
}

/// A rate with sensible precision: `0.35`, `9.8`, `10`, `120`.
pub(crate) fn rate(r: f64) -> String {
    if r == 0.0 || (r >= 1.0 && (r - r.round()).abs() < 0.05) {
        format!("{r:.0}")
    } else if r < 1.0 {
        format!("{r:.2}")
    } else if r < 100.0 {
        format!("{r:.1}")
    } else {
        format!("{r:.0}")
    }
}

/// An RFC 3339 UTC timestamp as `2026-11-23 10:04:05 UTC` (anything else as it is).
pub(crate) fn timestamp(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string(),
        Err(_) => rfc3339.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_neutralises_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>alert("x&y")</script>"#),
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;"
        );
        assert_eq!(esc("O'Brien"), "O&#39;Brien");
        assert!(matches!(esc("José Núñez"), Cow::Borrowed("José Núñez")));
        // Already-escaped text is escaped again: the page shows what the cell held.
        assert_eq!(esc("&lt;"), "&amp;lt;");
    }

    #[test]
    fn clipping_counts_characters_not_bytes() {
        assert_eq!(clip("  ab\n\t cd  ", 10), "ab cd");
        assert_eq!(clip("ééééé", 3), "ééé…");
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("\u{7}x", 5), "x");
    }

    #[test]
    fn numbers_and_percentages() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1000), "1,000");
        assert_eq!(int(1_234_567), "1,234,567");
        assert_eq!(percent(1, 3), "33.3%");
        assert_eq!(percent(1, 1_000_000), "<0.1%");
        assert_eq!(percent(0, 10), "0.0%");
        assert_eq!(percent(1, 0), "–");
        assert_eq!(bytes(134_900_000), "134.9 MB");
        assert_eq!(rate(9.84), "9.8");
        assert_eq!(rate(10.0), "10");
        assert_eq!(rate(0.5), "0.50");
        assert_eq!(rate(0.0), "0");
    }

    #[test]
    fn durations_and_clocks() {
        assert_eq!(duration(Duration::from_millis(850)), "850 ms");
        assert_eq!(duration(Duration::from_millis(12_400)), "12.4 s");
        assert_eq!(duration(Duration::from_secs(185)), "3 min 05 s");
        assert_eq!(duration(Duration::from_secs(100_000)), "27 h 46 min");
        assert_eq!(clock(45.0), "45 s");
        assert_eq!(clock(750.0), "12:30");
        assert_eq!(clock(100_000.0), "27:46:40");
        assert_eq!(timestamp("2026-11-23T10:04:05Z"), "2026-11-23 10:04:05 UTC");
        assert_eq!(timestamp("not a time"), "not a time");
    }
}
