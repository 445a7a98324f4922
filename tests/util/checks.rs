//! The checks every import test repeats, against the file's known truth: every row in one
//! final outcome (ledger and summary.json agree), exactly one contact per person in the
//! sandbox with the right tags, and what the ledger says about who created which contact.
//! Also the contacts that "existed before" the import, which it must update and not wipe.

use super::contacts::Expected;
use super::{ledger_rows, summary, LedgerRow, Sandbox};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Tags the seeded contacts carry before the import; the import must keep them.
pub const OLD_TAGS: [&str; 2] = ["customer-2019", "legacy crm"];

/// Contacts that exist before the import: every `every`-th group (by its first email, or by
/// its phone when it has none), plus one person who is not in the file at all. Returns the
/// seeded ids by group index, and the unrelated contact's id.
pub fn seed_existing(
    sandbox: &Sandbox,
    expected: &Expected,
    every: usize,
) -> (BTreeMap<usize, String>, String) {
    let mut seeded = BTreeMap::new();
    for (n, g) in expected.groups.iter().enumerate().step_by(every) {
        let mut body = json!({"firstName": "Earlier", "tags": OLD_TAGS});
        // Known by the identity the merged row is sent with: an existing contact known only by
        // a group's second email would not be found by an upsert, by HighLevel's rules.
        match (&g.email, &g.phone) {
            (Some(email), _) if n % 3 != 1 => body["email"] = json!(email),
            (_, Some(phone)) => body["phone"] = json!(phone),
            (Some(email), None) => body["email"] = json!(email),
            (None, None) => continue,
        }
        seeded.insert(n, sandbox.insert(body));
    }
    let stranger = sandbox.insert(json!({
        "firstName": "Not In The File",
        "email": "stranger@example.net",
        "tags": ["keep-me"],
    }));
    (seeded, stranger)
}

fn lower_set(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_lowercase)
                .collect()
        })
        .unwrap_or_default()
}

/// The server-side truth after a finished import: exactly one contact per group (found by any
/// of the group's emails or phones), holding the group's tags plus any it had before, the
/// ledger pointing at that contact, and nothing else in the location but the stranger.
pub fn check_sandbox(
    contacts: &[Value],
    expected: &Expected,
    ledger: &[LedgerRow],
    seeded: &BTreeMap<usize, String>,
    stranger: Option<&str>,
) {
    let by_row: BTreeMap<u64, &LedgerRow> = ledger.iter().map(|r| (r.row, r)).collect();
    let mut per_email: BTreeMap<String, u32> = BTreeMap::new();
    let mut per_phone: BTreeMap<String, u32> = BTreeMap::new();
    for c in contacts {
        if let Some(e) = c["email"].as_str() {
            *per_email.entry(e.to_lowercase()).or_default() += 1;
        }
        if let Some(p) = c["phone"].as_str() {
            *per_phone.entry(p.to_string()).or_default() += 1;
        }
    }
    let twice: Vec<_> = per_email
        .iter()
        .chain(per_phone.iter())
        .filter(|(_, n)| **n > 1)
        .collect();
    assert!(
        twice.is_empty(),
        "contacts stored more than once: {twice:?}"
    );

    for (n, g) in expected.groups.iter().enumerate() {
        let matching: Vec<&Value> = contacts
            .iter()
            .filter(|c| {
                c["email"]
                    .as_str()
                    .is_some_and(|e| g.emails.contains(&e.to_lowercase()))
                    || c["phone"].as_str().is_some_and(|p| g.phones.contains(p))
            })
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "group of rows {:?} ({:?} / {:?}) has {} contacts in the sandbox: {matching:#?}",
            g.rows,
            g.emails,
            g.phones,
            matching.len()
        );
        let contact = matching[0];
        let id = contact["id"].as_str().unwrap_or_default();
        let lead = by_row[&g.rows[0]];
        assert_eq!(
            lead.contact_id.as_deref(),
            Some(id),
            "row {} (state {}) records another contact id than the sandbox holds",
            lead.row,
            lead.state
        );
        if let Some(old) = seeded.get(&n) {
            assert_eq!(
                old, id,
                "group {:?} did not update its existing contact",
                g.rows
            );
        }
        let mut want: BTreeSet<String> = g.tags.clone();
        if seeded.contains_key(&n) {
            want.extend(OLD_TAGS.iter().map(|t| t.to_string()));
        }
        assert_eq!(
            lower_set(&contact["tags"]),
            want,
            "tags of the contact of rows {:?}",
            g.rows
        );
        for &row in &g.rows[1..] {
            assert_eq!(
                by_row[&row].state, "merged",
                "row {row} of group {:?}",
                g.rows
            );
            assert_eq!(by_row[&row].merged_into, Some(g.rows[0]), "row {row}");
        }
    }
    let extra = usize::from(stranger.is_some());
    assert_eq!(
        contacts.len(),
        expected.groups.len() + extra,
        "the sandbox holds contacts no group accounts for"
    );
    if let Some(stranger) = stranger {
        let c = contacts
            .iter()
            .find(|c| c["id"] == stranger)
            .expect("the unrelated contact is still there");
        assert_eq!(
            lower_set(&c["tags"]),
            BTreeSet::from(["keep-me".to_string()])
        );
    }
}

/// Every input row in exactly one final outcome, in the ledger and in summary.json alike; the
/// rows the file planted as invalid rejected, the duplicates merged.
pub fn check_outcomes(summary: &Value, ledger: &[LedgerRow], expected: &Expected) {
    let counts = super::state_counts(ledger);
    assert_eq!(
        ledger.len(),
        expected.rows.len(),
        "a ledger row per input row"
    );
    let finals = ["created", "updated", "unchanged", "merged", "rejected"];
    let not_final: Vec<_> = ledger
        .iter()
        .filter(|r| !finals.contains(&r.state.as_str()))
        .map(|r| (r.row, r.state.clone()))
        .collect();
    assert!(
        not_final.is_empty(),
        "rows without a final outcome: {not_final:?}"
    );
    assert_eq!(
        counts.get("rejected").copied().unwrap_or(0) as usize,
        expected.invalid()
    );
    assert_eq!(
        counts.get("merged").copied().unwrap_or(0) as usize,
        expected.merged()
    );
    let delivered =
        counts.get("created").copied().unwrap_or(0) + counts.get("updated").copied().unwrap_or(0);
    assert_eq!(
        delivered as usize,
        expected.groups.len(),
        "one delivered row per group"
    );

    let rows_read = summary["rows_read"]
        .as_u64()
        .expect("summary.json has rows_read");
    assert_eq!(rows_read as usize, expected.rows.len());
    let outcomes: BTreeMap<String, u64> =
        serde_json::from_value(summary["outcomes"].clone()).expect("summary.json outcomes");
    assert_eq!(outcomes, counts, "summary.json outcomes are the ledger's");
    assert_eq!(outcomes.values().sum::<u64>(), rows_read);
    assert_eq!(summary["outcomes_add_up"], true);

    let by_row: BTreeMap<u64, &LedgerRow> = ledger.iter().map(|r| (r.row, r)).collect();
    for t in &expected.rows {
        let r = by_row[&t.row];
        if t.valid {
            assert_eq!(r.email, t.email, "row {}: normalised email", t.row);
            assert_eq!(r.phone, t.phone, "row {}: normalised phone", t.row);
        } else {
            assert_eq!(r.state, "rejected", "row {} was planted invalid", t.row);
        }
    }
}

/// Rows this run created are reported `created` (with `created` = 1), rows whose contact
/// existed before are `updated`, and the tags recorded as "before" are the ones the contact had
/// before the run (none for a new contact): what an undo or an audit reads from the ledger.
/// Returns the rows reported wrongly.
pub fn misreported_creations(
    ledger: &[LedgerRow],
    expected: &Expected,
    seeded: &BTreeMap<usize, String>,
) -> Vec<LedgerRow> {
    let by_row: BTreeMap<u64, &LedgerRow> = ledger.iter().map(|r| (r.row, r)).collect();
    let mut wrong = Vec::new();
    for (n, g) in expected.groups.iter().enumerate() {
        let lead = by_row[&g.rows[0]];
        let existed = seeded.contains_key(&n);
        let (state, flag, before) = if existed {
            (
                "updated",
                Some(false),
                OLD_TAGS.map(str::to_string).to_vec(),
            )
        } else {
            ("created", Some(true), Vec::new())
        };
        let mut recorded = lead.tags_before.clone().unwrap_or_default();
        recorded.iter_mut().for_each(|t| *t = t.to_lowercase());
        recorded.sort();
        if lead.state != state || lead.created != flag || recorded != before {
            wrong.push(lead.clone());
        }
    }
    wrong
}

/// Asserts that no row is reported wrongly by `misreported_creations`.
pub fn check_creations(
    ledger: &[LedgerRow],
    expected: &Expected,
    seeded: &BTreeMap<usize, String>,
) {
    let wrong = misreported_creations(ledger, expected, seeded);
    assert!(
        wrong.is_empty(),
        "rows whose contact this run created but which the ledger reports otherwise \
         (row, state, created, tags before): {wrong:?}"
    );
}

/// The checks of a finished run in `run_dir`: `check_outcomes` against its summary.json and
/// `check_sandbox`. Returns the ledger's rows.
pub fn check_finished(
    run_dir: &Path,
    sandbox: &Sandbox,
    expected: &Expected,
    seeded: &BTreeMap<usize, String>,
    stranger: Option<&str>,
) -> Vec<LedgerRow> {
    let rows = ledger_rows(run_dir);
    check_outcomes(&summary(run_dir), &rows, expected);
    check_sandbox(&sandbox.contacts(), expected, &rows, seeded, stranger);
    rows
}

/// The ledger after a stop or a kill: every input row once, every delivered row pointing at a
/// contact the sandbox holds, and (given the contacts the run did not make, `untouched`) every
/// contact the run made recorded against its row.
pub fn check_stopped(
    run_dir: &Path,
    sandbox: &Sandbox,
    expected: &Expected,
    untouched: Option<&BTreeSet<String>>,
) -> Vec<LedgerRow> {
    let rows = ledger_rows(run_dir);
    assert_eq!(
        rows.len(),
        expected.rows.len(),
        "a ledger row per input row"
    );
    let ids: BTreeSet<String> = sandbox
        .contacts()
        .iter()
        .filter_map(|c| c["id"].as_str().map(str::to_string))
        .collect();
    let delivered = rows
        .iter()
        .filter(|r| matches!(r.state.as_str(), "created" | "updated"));
    let unknown: Vec<_> = delivered
        .clone()
        .filter(|r| !r.contact_id.as_ref().is_some_and(|id| ids.contains(id)))
        .map(|r| (r.row, &r.state, &r.contact_id))
        .collect();
    assert!(
        unknown.is_empty(),
        "delivered rows whose contact the sandbox lacks (row, state, contact): {unknown:?}"
    );
    if let Some(untouched) = untouched {
        let recorded: BTreeSet<String> = delivered.filter_map(|r| r.contact_id.clone()).collect();
        let made: BTreeSet<String> = ids.difference(untouched).cloned().collect();
        let unrecorded: Vec<_> = made.difference(&recorded).collect();
        assert!(
            unrecorded.is_empty(),
            "contacts the run made that its ledger does not record: {unrecorded:?}"
        );
    }
    rows
}

/// An import run to its end against a sandbox seeded by `seed_existing`, kept for the several
/// tests that check one such run.
pub struct Finished {
    pub sandbox: Sandbox,
    pub expected: Expected,
    pub seeded: BTreeMap<usize, String>,
    pub stranger: String,
    pub rows: Vec<LedgerRow>,
    pub summary: Value,
    pub _dir: tempfile::TempDir,
}

impl Finished {
    /// The run in `run_dir` as it ended (its ledger rows and summary), kept with what the test
    /// set up: the sandbox, the file's truth, what `seed_existing` seeded and the work dir.
    pub fn read(
        run_dir: &Path,
        sandbox: Sandbox,
        expected: Expected,
        (seeded, stranger): (BTreeMap<usize, String>, String),
        dir: tempfile::TempDir,
    ) -> Finished {
        Finished {
            rows: ledger_rows(run_dir),
            summary: summary(run_dir),
            sandbox,
            expected,
            seeded,
            stranger,
            _dir: dir,
        }
    }

    /// `check_outcomes` and `check_sandbox`, the stranger included.
    pub fn check(&self) {
        check_outcomes(&self.summary, &self.rows, &self.expected);
        check_sandbox(
            &self.sandbox.contacts(),
            &self.expected,
            &self.rows,
            &self.seeded,
            Some(&self.stranger),
        );
    }

    /// `check_creations`.
    pub fn check_creations(&self) {
        check_creations(&self.rows, &self.expected, &self.seeded);
    }
}
