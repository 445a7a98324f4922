//! End to end with the real binary: what the reader makes of awkward inputs, seen in the run
//! folder. Reject files going back in with a `header_row` mapping (issue 13.3), row numbers
//! that are spreadsheet rows when notes span lines (13.4), a mostly UTF-8 file with one
//! windows-1252 row (19.5), and inputs that are no files, or wider than Excel (19.10).

use crate::util::{assert_stderr_has, ghl_bulk, run, stderr};
use crate::util::{file_in, summary, validate};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// The records of a CSV report, header first, BOM stripped.
fn records(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .expect("report exists");
    reader
        .records()
        .map(|r| {
            r.expect("record")
                .iter()
                .map(|c| c.trim_start_matches('\u{feff}').to_string())
                .collect()
        })
        .collect()
}

/// The value of `column` in every data record of a CSV report.
fn column(path: &Path, column: &str) -> Vec<String> {
    let all = records(path);
    let at = all[0]
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("{column} in {:?}", all[0]));
    all[1..].iter().map(|r| r[at].clone()).collect()
}

/// Validates `input` into `dir/run` with the mapping `toml`, written to `dir/<mapping>`: the
/// run folder and the command's output.
fn validate_with(dir: &Path, input: &Path, mapping: &str, toml: &[u8]) -> (PathBuf, Output) {
    let mapping = file_in(dir, mapping, toml);
    let run = dir.join("run");
    let out = validate(input, &mapping, &run, &[]);
    (run, out)
}

/// The trade-show sample under two title lines and a blank one, as a badge scanner writes it,
/// with its mapping saying where the header is.
fn tradeshow_with_title_rows(dir: &Path) -> (PathBuf, PathBuf) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let sample = std::fs::read(root.join("samples/tradeshow_leads.csv")).expect("sample");
    let mut bytes = b"Expo 2024 badge export\nExported 2024-09-20\n\n".to_vec();
    bytes.extend(sample);
    let input = file_in(dir, "tradeshow.csv", &bytes);
    let mapping = std::fs::read_to_string(root.join("mappings/tradeshow_leads.toml"))
        .expect("mapping")
        .replacen(
            "default_region = \"US\"\n",
            "default_region = \"US\"\n\n[source]\nheader_row = 3\n",
            1,
        );
    assert!(mapping.contains("header_row = 3"));
    (input, file_in(dir, "tradeshow.toml", mapping.as_bytes()))
}

/// Issue 13.3: `validate rejects.xlsx --mapping M` with `header_row` in M failed with "no
/// header: sheet 'Rejects' has no row 3", and rejects.csv with "fewer than 3 records".
#[test]
fn reject_files_go_back_in_with_a_header_row_mapping() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (input, mapping) = tradeshow_with_title_rows(tmp.path());
    let first = tmp.path().join("first");
    let out = validate(&input, &mapping, &first, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let rejected = summary(&first)["outcomes"]["rejected"]
        .as_u64()
        .expect("count");
    assert!(rejected > 0);
    // A row rejected for sharing the phone of a row that was not rejected is alone with that
    // phone in the reject file, so it passes there (issue 21.1); every other reason stays.
    let codes: Vec<String> = column(&first.join("rejects.csv"), "_code")
        .into_iter()
        .filter(|c| c != "phone_shared")
        .collect();
    for reject_file in ["rejects.xlsx", "rejects.csv"] {
        let again = tmp.path().join(format!("again-{reject_file}"));
        let out = validate(&first.join(reject_file), &mapping, &again, &[]);
        assert_eq!(
            out.status.code(),
            Some(3),
            "{reject_file}: {}",
            stderr(&out)
        );
        let s = summary(&again);
        assert_eq!(s["rows_read"].as_u64(), Some(rejected), "{reject_file}");
        assert_eq!(
            column(&again.join("rejects.csv"), "_code"),
            codes,
            "{reject_file}"
        );
        let dialect = s["input"]["dialect"].as_str().unwrap_or_default();
        assert!(dialect.contains("a reject file"), "{dialect}");
    }
    // --header-row holds for every file, a reject file too.
    let forced = tmp.path().join("forced");
    let out = validate(
        &first.join("rejects.csv"),
        &mapping,
        &forced,
        &["--header-row", "50"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_stderr_has(&out, "fewer than 50 records");
    // And it overrides the mapping for the input itself.
    let plain_mapping = std::fs::read_to_string(&mapping)
        .expect("mapping")
        .replace("header_row = 3", "header_row = 1");
    let plain_mapping = file_in(tmp.path(), "plain.toml", plain_mapping.as_bytes());
    let by_flag = tmp.path().join("by-flag");
    let out = validate(&input, &plain_mapping, &by_flag, &["--header-row", "3"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(
        summary(&by_flag)["outcomes"]["rejected"].as_u64(),
        Some(rejected)
    );
}

/// Issue 13.4: in a CSV whose notes span several lines, `_row` drifted from the row Excel
/// shows (a person in Excel row 12 was reported as 18, a duplicate pair 9→4 as 15→6).
#[test]
fn row_numbers_are_spreadsheet_rows_when_notes_span_lines() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(["Email", "First Name", "Notes"])
        .expect("header");
    for row in 2..15 {
        let email = match row {
            12 => "not-an-email".to_string(),
            9 => "p4@example.com".to_string(),
            n => format!("p{n}@example.com"),
        };
        let notes = if [3, 5, 7].contains(&row) {
            "Met at the booth.\nCall back Tuesday.\nWants pricing."
        } else {
            ""
        };
        writer
            .write_record([email.as_str(), &format!("P{row}"), notes])
            .expect("row");
    }
    let input = file_in(
        tmp.path(),
        "notes.csv",
        writer.into_inner().expect("csv bytes"),
    );
    let (run, out) = validate_with(
        tmp.path(),
        &input,
        "notes.toml",
        b"version = 1\n[fields]\nemail = \"Email\"\nfirstName = \"First Name\"\n\
          [notes]\ncolumns = [\"Notes\"]\n",
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(column(&run.join("rejects.csv"), "_row"), ["12"]);
    assert_eq!(column(&run.join("duplicates.csv"), "_row"), ["9"]);
    assert_eq!(
        column(&run.join("duplicates.csv"), "_merged_into_row"),
        ["4"]
    );
    let html = std::fs::read_to_string(run.join("report.html")).expect("report.html");
    assert!(
        html.contains("<span class=\"rown\">12</span>"),
        "report.html"
    );
    assert!(
        !html.contains("<span class=\"rown\">18</span>"),
        "report.html"
    );
}

/// Issue 19.5: "Café" of a UTF-8 file became "CafÃ©" because one row held windows-1252 bytes;
/// 0 rejects, exit 0. Now only that row falls back, with a warning, and the read line says so.
#[test]
fn a_mostly_utf8_file_keeps_its_utf8() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = file_in(
        tmp.path(),
        "mixed.csv",
        b"Email,First Name,City\nann@example.com,Ann,Caf\xc3\xa9\n\
          bob@example.com,Bob,K\xf6ln\ncid@example.com,Cid,Z\xc3\xbcrich\n",
    );
    let (run, out) = validate_with(
        tmp.path(),
        &input,
        "mixed.toml",
        b"version = 1\n[fields]\nemail = \"Email\"\nfirstName = \"First Name\"\ncity = \"City\"\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_stderr_has(&out, "UTF-8 for 2 rows, windows-1252 for 1 not valid UTF-8");
    let s = summary(&run);
    assert_eq!(s["issues"]["encoding_mixed"].as_u64(), Some(1));
    let cities: Vec<String> = crate::util::payloads(&run)
        .iter()
        .map(|(_, payload)| payload["city"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(cities, ["Café", "Köln", "Zürich"]);
}

/// Issue 19.10: a named pipe as the input hung (the fingerprint and the reader each wait for
/// a writer); a folder gave a doubled OS error. Each is refused at once with one clear line.
#[cfg(unix)]
#[test]
fn folders_and_named_pipes_are_refused_at_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fifo = tmp.path().join("pipe.csv");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let mapping = file_in(
        tmp.path(),
        "m.toml",
        b"version = 1\n[fields]\nemail = \"Email\"\n",
    );
    for (input, what) in [(fifo.as_path(), "a named pipe"), (tmp.path(), "a folder")] {
        let mut command = ghl_bulk();
        command
            .arg("validate")
            .arg(input)
            .arg("--mapping")
            .arg(&mapping)
            .arg("--run-dir")
            .arg(tmp.path().join("run"));
        let out = run(command, Duration::from_secs(60));
        assert_eq!(out.code, Some(1), "{what}: {}", out.stderr);
        let lines: Vec<String> = out.stderr.lines().map(str::to_owned).collect();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains(what), "{lines:?}");
        assert!(!tmp.path().join("run").exists(), "{what}: no run folder");
    }
}

/// Issue 19.10: more than 16,384 columns made rejects.xlsx fail (exit 1, "Row or column
/// exceeds Excel's allowed limits"). Now the workbook keeps the first columns and the `_`
/// ones, rejects.csv keeps all, and a warning says so.
#[test]
fn inputs_wider_than_excel_still_get_their_reject_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let width = 17_000;
    let mut text = String::from("Email");
    for i in 0..width {
        text.push_str(&format!(",C{i}"));
    }
    for (email, cell) in [("bad-email", "x"), ("ok@example.com", "y")] {
        text.push('\n');
        text.push_str(email);
        text.push_str(&format!(",{cell}").repeat(width));
    }
    text.push('\n');
    let input = file_in(tmp.path(), "wide.csv", text.as_bytes());
    let (run, out) = validate_with(
        tmp.path(),
        &input,
        "m.toml",
        b"version = 1\n[fields]\nemail = \"Email\"\n",
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_stderr_has(&out, "more columns than Excel");
    let csv = records(&run.join("rejects.csv"));
    assert_eq!(csv[0].len(), width + 1 + 5, "rejects.csv has every column");
    use calamine::{open_workbook, Reader, Xlsx};
    let mut workbook: Xlsx<_> = open_workbook(run.join("rejects.xlsx")).expect("rejects.xlsx");
    let sheet = workbook.worksheet_range("Rejects").expect("sheet");
    assert_eq!(sheet.width(), 16_384);
    let header: Vec<String> = sheet
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        header[header.len() - 5..],
        ["_row", "_stage", "_code", "_field", "_message"]
    );
}
