//! The reject files `validate` writes as rows are staged equal the ones written afterwards from
//! the ledger (what `import` does after delivery), and the ledger accounts for every row.

use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};

use super::*;
use crate::mapping;

const HEADER: &str = "First Name,Last Name,Email,Phone,Company,Address,City,State,Postal Code,\
                      Country,Date of Birth,Tags";

/// Valid rows, duplicates by email and by phone, rejected emails and phones, a ragged row, a
/// row with no identity, dropped-field warnings (bad date, bad country) and injection-looking
/// cells, in 120 rows.
fn input_csv() -> String {
    let mut text = format!("{HEADER}\n");
    for i in 0..120 {
        let email = match i % 10 {
            3 => format!("bad email{i}@x.co"),
            7 => format!("p{}@x.co", i - 1), // duplicates the previous row's email
            _ => format!("p{i}@x.co"),
        };
        let phone = match i % 12 {
            5 => "12".to_string(),
            8 => "(615) 200-0002".to_string(), // shared phone
            _ => format!("(615) 200-{:04}", 1000 + i),
        };
        let dob = if i % 9 == 4 {
            "31/31/1990"
        } else {
            "1980-01-02"
        };
        let country = if i % 11 == 6 { "Atlantis" } else { "US" };
        let company = if i % 13 == 2 { "=SUM(A1)" } else { "Acme" };
        let line = match i {
            50 => "Solo,,,,,,,,,,,".to_string(),
            60 => format!("Rag,Ged,r{i}@x.co,,,,,,,,,,extra,more"),
            _ => format!(
                "F{i},L{i},{email},{phone},{company},1 Main St,Nashville,TN,37203,{country},{dob},\
                 \"vip,expo\""
            ),
        };
        text.push_str(&line);
        text.push('\n');
    }
    text
}

fn config(dir: &Path) -> ValidateConfig {
    let input = dir.join("in.csv");
    std::fs::write(&input, input_csv()).unwrap();
    let mapping_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/gen_contacts.toml");
    ValidateConfig {
        input,
        mapping: mapping::load(&mapping_path).unwrap(),
        source: SourceOptions::default(),
        region: None,
        run_dir: dir.join("run"),
        progress: false,
        print_summary: false,
        command: "validate".to_string(),
        options_json: "{}".to_string(),
        location_column: None,
        stop: crate::pipeline::stop_requested,
    }
}

fn sheet(path: &Path) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    let range = book.worksheet_range("Rejects").unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

#[test]
fn reject_files_written_while_staging_equal_the_ledger_rewrite() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    let summary = run(&config).unwrap();
    assert!(summary.outcomes_add_up, "{}", summary.to_json());
    assert_eq!(summary.rows_read, 120);
    assert!(summary.duplicate_groups > 0, "{}", summary.to_json());

    let ledger = Ledger::open(&config.run_dir.join("ledger.db")).unwrap();
    let record = ledger.run_record().unwrap();
    let compiled = Mapping::compile(
        &config.mapping.spec,
        &record.headers,
        None,
        &config.mapping.path,
    )
    .unwrap();
    let again = dir.path().join("again");
    std::fs::create_dir_all(&again).unwrap();
    write_reports(&ledger, &record.headers, &compiled, &again).unwrap();

    let read = |dir: &Path, name: &str| std::fs::read(dir.join(name)).unwrap();
    for name in ["rejects.csv", "duplicates.csv"] {
        assert_eq!(read(&config.run_dir, name), read(&again, name), "{name}");
    }
    let staged = sheet(&config.run_dir.join("rejects.xlsx"));
    assert_eq!(staged, sheet(&again.join("rejects.xlsx")));
    let rejected = ledger.rejected().unwrap().len();
    assert!(rejected >= 20, "only {rejected} rejected rows");
    assert_eq!(staged.len(), rejected + 1);
}

thread_local! {
    /// For `a_stop_after_the_file_is_read_is_still_a_stop`: the checking stop point to stop at
    /// (1 = the first), and how many were passed. The pipeline asks on the caller's thread.
    static STOP_AT: std::cell::Cell<(usize, usize)> = const { std::cell::Cell::new((0, 0)) };
}

fn stop_at_nth_check(point: StopPoint) -> bool {
    if point != StopPoint::Checking {
        return false;
    }
    STOP_AT.with(|cell| {
        let (at, passed) = cell.get();
        cell.set((at, passed + 1));
        passed + 1 >= at
    })
}

#[test]
fn a_stop_after_the_file_is_read_is_still_a_stop() {
    for at in 1..=5 {
        STOP_AT.with(|cell| cell.set((at, 0)));
        let dir = tempfile::tempdir().unwrap();
        let mut config = config(dir.path());
        config.stop = stop_at_nth_check;
        let result = run(&config);
        let files: Vec<String> = std::fs::read_dir(&config.run_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| !name.starts_with("ledger.db"))
            .collect();
        if at == 5 {
            // Four points: a fifth is never reached, and the run ends as usual.
            assert!(result.is_ok(), "{result:?}");
            continue;
        }
        let err = result.expect_err("a stop after the file was read stops the run");
        assert!(matches!(err, PipelineError::Interrupted), "at {at}: {err}");
        assert_eq!(err.exit_code(), 130);
        let summary: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(config.run_dir.join("summary.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(summary["status"], "interrupted", "at {at}: {summary:#}");
        assert_eq!(summary["exit_code"], 130, "at {at}");
        // Reject files only once they are whole (the last point is after the reports), and
        // never a temporary file left behind.
        let mut expected = vec!["report.html", "summary.json"];
        if at == 4 {
            expected.extend([
                "duplicates.csv",
                "rejects.csv",
                "rejects.xlsx",
                "warnings.csv",
            ]);
        }
        let mut files = files;
        files.sort();
        expected.sort_unstable();
        assert_eq!(files, expected, "at {at}");
    }
}
