//! The CSV files a run writes (reports, exports, plans), read back as plain strings.

use std::collections::BTreeMap;
use std::path::Path;

/// A CSV file's header (a leading BOM dropped) and its data records.
pub fn table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let headers = reader
        .headers()
        .expect("a header")
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("a record").iter().map(str::to_string).collect())
        .collect();
    (headers, rows)
}

/// A CSV file's data records as maps from header to cell (a leading BOM dropped).
pub fn maps(path: &Path) -> Vec<BTreeMap<String, String>> {
    let (headers, rows) = table(path);
    rows.into_iter()
        .map(|row| headers.iter().cloned().zip(row).collect())
        .collect()
}
