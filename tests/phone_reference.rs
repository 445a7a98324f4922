//! Phone normalisation against libphonenumber's own answers (tests/data/phone_reference.csv,
//! made with the Python port `phonenumbers` 9.0.43). Every row must agree on validity, and every
//! row libphonenumber calls valid must agree on E.164 (the only E.164 the tool ever sends; for
//! an invalid number the E.164 of a failed parse is never used, so differences there are
//! counted and printed but do not fail), except the rows in `KNOWN_DIFFERENCES`, each a documented metadata difference
//! between that release and the `phonenumber` crate's bundled metadata (9.0.33). Skipped rows
//! are counted and printed; a row in the list that agrees again fails the test, so the list
//! cannot go stale.

use ghl_bulk::contact::{parse_phone, Region};

/// `(input, region, why)`.
const KNOWN_DIFFERENCES: &[(&str, &str, &str)] = &[];

#[derive(Debug, serde::Deserialize)]
struct Case {
    input: String,
    region: String,
    e164: String,
    valid: bool,
    extension: String,
    format: String,
    note: String,
}

#[test]
fn phone_normalisation_agrees_with_libphonenumber() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/phone_reference.csv"
    );
    let mut reader = csv::Reader::from_path(path).expect("the reference table is in the repo");
    let mut cases = Vec::new();
    for record in reader.deserialize::<Case>() {
        cases.push(record.expect("the reference table is well-formed"));
    }
    let regions: std::collections::BTreeSet<&str> =
        cases.iter().map(|c| c.region.as_str()).collect();
    assert!(cases.len() >= 200, "only {} reference numbers", cases.len());
    assert!(regions.len() >= 15, "only {} regions", regions.len());

    let mut disagreements = Vec::new();
    let mut skipped = 0;
    let mut stale = Vec::new();
    let mut invalid_e164_differs = 0;
    for case in &cases {
        let region = Region::from_code(&case.region);
        assert!(region.is_some(), "unknown region {}", case.region);
        let got = parse_phone(&case.input, region);
        let (e164, valid, extension) = match &got {
            Ok(p) => (
                p.e164.clone(),
                p.valid,
                p.extension.clone().unwrap_or_default(),
            ),
            Err(_) => (String::new(), false, String::new()),
        };
        let agrees = valid == case.valid && (!case.valid || e164 == case.e164);
        if agrees && !case.valid && e164 != case.e164 {
            invalid_e164_differs += 1;
        }
        let known = KNOWN_DIFFERENCES
            .iter()
            .find(|(i, r, _)| *i == case.input && *r == case.region);
        match (agrees, known) {
            (true, None) => {
                if !case.extension.is_empty() && valid {
                    assert_eq!(extension, case.extension, "extension of {:?}", case.input);
                }
            }
            (true, Some(_)) => stale.push(format!("{:?} ({})", case.input, case.region)),
            (false, Some(_)) => skipped += 1,
            (false, None) => disagreements.push(format!(
                "{:?} in {}: libphonenumber {} valid={}, we {} valid={} [{}; {}]",
                case.input, case.region, case.e164, case.valid, e164, valid, case.format, case.note
            )),
        }
    }
    println!(
        "{} reference numbers from {} regions: {} agree ({} invalid ones with another E.164), \
         {} skipped as known metadata differences",
        cases.len(),
        regions.len(),
        cases.len() - skipped - disagreements.len(),
        invalid_e164_differs,
        skipped
    );
    assert!(
        stale.is_empty(),
        "listed as different but now agree: {stale:#?}"
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
