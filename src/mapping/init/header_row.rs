//! `mapping init`'s guess of the header row, for files with title rows above it (Pipedrive
//! reports, trade-show workbooks): a candidate row is the header when it is mostly distinct,
//! non-numeric text and the rows read under it are data that it covers. Pure: the caller reads
//! the file once per candidate row and asks here.

use crate::source::RawRow;

/// Candidate header rows tried, from row 1 down.
pub const MAX_HEADER_ROW: usize = 20;

/// Data rows read under a candidate to judge it.
pub const ROWS_TO_JUDGE: usize = 10;

/// Whether `headers` (a candidate row, as the reader named its cells: empty ones become
/// `Column N`) looks like the file's header, given the rows read under it.
pub fn looks_like_header(headers: &[String], rows: &[RawRow]) -> bool {
    let named: Vec<&str> = headers
        .iter()
        .enumerate()
        .filter(|(i, h)| !h.trim().is_empty() && **h != format!("Column {}", i + 1))
        .map(|(_, h)| h.trim())
        .collect();
    let n = named.len();
    if n == 0 || rows.is_empty() {
        return false;
    }
    let mut distinct: Vec<String> = named.iter().map(|h| h.to_lowercase()).collect();
    distinct.sort();
    distinct.dedup();
    // "Mostly": four in five distinct, at most one in five that reads like a value.
    if distinct.len() * 5 < n * 4 {
        return false;
    }
    let values = named.iter().filter(|h| reads_like_a_value(h)).count();
    if values * 5 > n {
        return false;
    }
    // Title rows are narrower than the data: under a one-cell title the rows of a text file
    // overflow it (`ragged_row`), those of a workbook fill cells the title leaves empty.
    let ragged = rows
        .iter()
        .filter(|r| r.defect.as_ref().is_some_and(|d| d.code == "ragged_row"))
        .count();
    if ragged * 2 > rows.len() {
        return false;
    }
    let widest = rows
        .iter()
        .map(|r| r.cells.iter().filter(|c| !c.trim().is_empty()).count())
        .max()
        .unwrap_or(0);
    n * 2 >= widest
}

/// A cell that is data rather than a column name: an email, a web address, or mostly digits
/// (a phone, a date, an id, an amount).
fn reads_like_a_value(cell: &str) -> bool {
    let lower = cell.to_lowercase();
    if lower.contains('@') || lower.starts_with("http://") || lower.starts_with("https://") {
        return true;
    }
    let visible: Vec<char> = cell.chars().filter(|c| !c.is_whitespace()).collect();
    let digits = visible.iter().filter(|c| c.is_ascii_digit()).count();
    digits * 2 >= visible.len().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::RowDefect;

    fn strings(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    fn row(cells: &[&str]) -> RawRow {
        RawRow {
            row: 0,
            cells: strings(cells),
            defect: None,
            offset: None,
        }
    }

    const HEADER: &[&str] = &["First Name", "Last Name", "Email", "Phone", "Company"];
    const DATA: &[&str] = &["Ann", "Lee", "ann@example.com", "(617) 555-0128", "Acme"];

    #[test]
    fn a_header_over_data() {
        assert!(looks_like_header(&strings(HEADER), &[row(DATA), row(DATA)]));
        // A header with one empty cell and a sparse data row is still the header.
        let mut header = strings(HEADER);
        header[4] = "Column 5".into();
        assert!(looks_like_header(
            &header,
            &[row(&["", "", "a@b.co", "", ""])]
        ));
    }

    #[test]
    fn a_title_row_of_a_workbook_is_not() {
        let title = strings(&[
            "Expo 2026: badge scans",
            "Column 2",
            "Column 3",
            "Column 4",
            "Column 5",
        ]);
        assert!(!looks_like_header(&title, &[row(HEADER), row(DATA)]));
    }

    #[test]
    fn a_title_row_of_a_text_file_is_not() {
        let ragged = RawRow {
            defect: Some(RowDefect {
                code: "ragged_row",
                message: String::new(),
                blocking: true,
            }),
            ..row(&["First Name"])
        };
        assert!(!looks_like_header(
            &strings(&["Leads export"]),
            &[ragged.clone(), ragged]
        ));
    }

    #[test]
    fn a_data_row_is_not() {
        assert!(!looks_like_header(&strings(DATA), &[row(DATA)]));
        let ids = strings(&[
            "EXPO24-1040",
            "Owen",
            "owen@example.org",
            "2024-09-18",
            "Acme",
        ]);
        assert!(!looks_like_header(&ids, &[row(DATA)]));
    }

    #[test]
    fn repeated_names_or_nothing_under_it_are_not() {
        let same = strings(&["x", "x", "x", "y", "z"]);
        assert!(!looks_like_header(&same, &[row(DATA)]));
        assert!(!looks_like_header(&strings(HEADER), &[]));
        assert!(looks_like_header(&strings(&["Email"]), &[row(&["a@b.co"])]));
    }
}
