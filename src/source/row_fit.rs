//! The header and width conventions every reader follows: a header cell cleaned and named,
//! a row fitted to the header's width (padded, or its extra values reported as `ragged_row`).

use super::RowDefect;

/// Fit `cells` to `width`: pad short rows; drop extra cells that are empty; report the others.
pub(super) fn fit_width(cells: &mut Vec<String>, width: usize) -> Option<RowDefect> {
    if cells.len() <= width {
        cells.resize(width, String::new());
        return None;
    }
    let extra: Vec<String> = cells.drain(width..).filter(|c| !c.is_empty()).collect();
    if extra.is_empty() {
        return None;
    }
    let mut shown = extra
        .iter()
        .take(3)
        .map(|c| format!("{:?}", truncate_chars(c, 40)))
        .collect::<Vec<_>>()
        .join(", ");
    if extra.len() > 3 {
        shown.push_str(", …");
    }
    Some(RowDefect {
        blocking: true,
        code: "ragged_row",
        message: format!(
            "the row has {} more value(s) than the {width} header(s): {shown}; a delimiter or \
             quote inside a value probably shifted the columns",
            extra.len()
        ),
    })
}

fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Clean a header cell: trim, strip a BOM, name an empty one after its 1-based position.
pub(super) fn clean_header(raw: &str, index: usize) -> String {
    let name = raw.trim_start_matches('\u{feff}').trim();
    if name.is_empty() {
        format!("Column {}", index + 1)
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_width_pads_short_rows_without_defect() {
        let mut cells = vec!["a".to_owned()];
        assert_eq!(fit_width(&mut cells, 3), None);
        assert_eq!(cells, ["a", "", ""]);
    }

    #[test]
    fn fit_width_drops_empty_extras_silently() {
        let mut cells = vec!["a".to_owned(), "b".to_owned(), String::new()];
        assert_eq!(fit_width(&mut cells, 2), None);
        assert_eq!(cells, ["a", "b"]);
    }

    #[test]
    fn fit_width_reports_non_empty_extras() {
        let mut cells: Vec<String> = ["a", "b", "", "x"].map(String::from).to_vec();
        let defect = fit_width(&mut cells, 2).map(|d| (d.code, d.message));
        assert_eq!(cells, ["a", "b"]);
        let (code, message) = defect.unwrap_or_default();
        assert_eq!(code, "ragged_row");
        assert!(message.contains("\"x\""), "{message}");
    }

    #[test]
    fn headers_are_cleaned() {
        assert_eq!(clean_header("\u{feff} Email ", 0), "Email");
        assert_eq!(clean_header("  ", 4), "Column 5");
    }
}
