//! The delta, with the real binary against a sandbox on loopback: a file imported twice costs
//! no request the second time, a changed row is sent and only it, `--full` sends everything,
//! a state file of another location is refused, and a run stopped by the daily budget
//! remembers exactly the rows it delivered.

use crate::util::fixture::{burst_config, Fixture};
use crate::util::{assert_stderr_has, stderr, summary};
use ghl_bulk::ledger::state::StateStore;
use ghl_bulk::ledger::Ledger;
use ghl_sandbox::{DEFAULT_LOCATION_ID, DEFAULT_TOKEN};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

const MAPPING: &str = r#"version = 1
default_region = "US"

[fields]
firstName = "First Name"
lastName = "Last Name"
email = "Email"
phone = "Phone"

[tags]
columns = ["Tags"]

[notes]
columns = ["Notes"]
"#;

/// One row of the generated file.
#[derive(Clone)]
struct Person {
    first: String,
    email: String,
    phone: String,
    tags: String,
    note: String,
}

fn people(n: usize) -> Vec<Person> {
    (0..n)
        .map(|i| Person {
            first: format!("Person{i}"),
            email: format!("person{i}@example.com"),
            // London's drama range, 020 7946 0000–0999: valid, never anyone's number.
            phone: format!("+44 20 7946 {:04}", i % 1000),
            tags: if i % 2 == 0 { "expo,vip" } else { "expo" }.to_string(),
            note: if i % 50 == 0 {
                format!("Met at the expo ({i})")
            } else {
                String::new()
            },
        })
        .collect()
}

fn write_csv(path: &Path, people: &[Person]) {
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(["First Name", "Last Name", "Email", "Phone", "Tags", "Notes"])
        .unwrap();
    for p in people {
        w.write_record([&p.first, "Tester", &p.email, &p.phone, &p.tags, &p.note])
            .unwrap();
    }
    w.flush().unwrap();
}

impl Fixture {
    /// The bodies of a contact's notes, read through the API.
    async fn notes(&self, contact_id: &str) -> Vec<String> {
        let url = format!("{}/contacts/{contact_id}/notes", self.sandbox.base_url());
        let body: serde_json::Value = crate::util::http()
            .get(url)
            .bearer_auth(DEFAULT_TOKEN)
            .header("Version", "2021-07-28")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["body"].as_str().unwrap().to_string())
            .collect()
    }

    fn requests_to(&self, route: &str) -> u64 {
        let stats = self.sandbox.stats();
        match route {
            "*" => stats.total_requests,
            route => stats.by_route.get(route).map_or(0, |m| m.values().sum()),
        }
    }
}

fn outcome(summary: &serde_json::Value, name: &str) -> u64 {
    summary["outcomes"][name].as_u64().unwrap_or(0)
}

/// success.csv: email → (outcome, contact id).
fn success(run_dir: &Path) -> BTreeMap<String, (String, String)> {
    let mut r = csv::Reader::from_path(run_dir.join("success.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (email, out, id) = (col("Email"), col("_outcome"), col("_contact_id"));
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            (
                rec[email].to_string(),
                (rec[out].to_string(), rec[id].to_string()),
            )
        })
        .collect()
}

fn code(output: &Output) -> Option<i32> {
    output.status.code()
}

const ROWS: usize = 300;
const UPSERT: &str = "POST /contacts/upsert";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_import_sends_nothing_and_a_changed_row_is_sent_alone() {
    let mut f = Fixture::new(MAPPING, burst_config()).await;
    let mut rows = people(ROWS);
    write_csv(&f.path("in.csv"), &rows);

    let (first, out) = f.import("in.csv", "state.sqlite", &[]).await;
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(outcome(&summary(&first), "created"), ROWS as u64);
    let delivered = success(&first);

    let before = f.requests_to("*");
    let (second, out) = f.import("in.csv", "state.sqlite", &[]).await;
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let sent = f.requests_to("*") - before;
    assert!(
        sent as f64 <= ROWS as f64 * 0.001,
        "{sent} requests for an unchanged file"
    );
    let s = summary(&second);
    assert_eq!(outcome(&s, "unchanged"), ROWS as u64, "{s}");
    assert_eq!(s["outcomes_add_up"], true);
    assert_eq!(s["delta"]["unchanged"], ROWS as u64);
    assert_eq!(
        s["delta"]["state_file"],
        f.path("state.sqlite").display().to_string()
    );
    assert_eq!(s["exit_code"], 0);
    assert_stderr_has(&out, "300 rows unchanged");
    // success.csv names each row's contact, the one the first run delivered it to.
    let again = success(&second);
    assert_eq!(again.len(), ROWS);
    for (email, (out, id)) in &again {
        assert_eq!(out, "unchanged");
        assert_eq!(id, &delivered[email].1, "{email}");
    }
    // The ledger says which state file the run used.
    let ledger = Ledger::open(&second.join("ledger.db")).unwrap();
    assert_eq!(
        ledger.meta_value("delta.state_file").unwrap(),
        Some(f.path("state.sqlite").display().to_string())
    );

    // A field changed (twice: one of the rows has a note already), a tag added, a note added:
    // those four rows are sent, nothing else; the row whose only change is its note is sent
    // without its contact (its contact part is unchanged).
    rows[0].first = "Renamed0".into();
    rows[5].first = "Renamed".into();
    rows[10].tags.push_str(",gold");
    rows[15].note = "Called back".into();
    write_csv(&f.path("changed.csv"), &rows);
    let upserts = f.requests_to(UPSERT);
    let (third, out) = f.import("changed.csv", "state.sqlite", &[]).await;
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(f.requests_to(UPSERT) - upserts, 3);
    let s = summary(&third);
    assert_eq!(outcome(&s, "updated"), 4, "{s}");
    assert_eq!(outcome(&s, "unchanged"), ROWS as u64 - 4, "{s}");
    assert_eq!(s["delta"]["changed"], 4);
    assert_eq!(s["delta"]["followups_only"], 1);
    let contacts = f.sandbox.contacts(Some(DEFAULT_LOCATION_ID));
    let find = |email: &str| {
        contacts
            .iter()
            .find(|c| c["email"] == email)
            .cloned()
            .unwrap()
    };
    assert_eq!(find("person5@example.com")["firstName"], "Renamed");
    let tags = find("person10@example.com")["tags"].to_string();
    assert!(tags.contains("gold") && tags.contains("vip"), "{tags}");
    // Sending a known row again does not create its note a second time.
    let person0 = find("person0@example.com")["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(f.notes(&person0).await, ["Met at the expo (0)"]);
    let person15 = find("person15@example.com")["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(f.notes(&person15).await, ["Called back"]);

    // And the changes are remembered: the same file once more costs nothing.
    let before = f.requests_to("*");
    let (_, out) = f.import("changed.csv", "state.sqlite", &[]).await;
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(f.requests_to("*") - before, 0);
    f.sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_sends_every_row_again() {
    let mut f = Fixture::new(MAPPING, burst_config()).await;
    write_csv(&f.path("in.csv"), &people(ROWS));
    let (_, out) = f.import("in.csv", "state.sqlite", &[]).await;
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    let upserts = f.requests_to(UPSERT);
    let (run, out) = f.import("in.csv", "state.sqlite", &["--full"]).await;
    assert_eq!(code(&out), Some(0), "{}", stderr(&out));
    assert_eq!(f.requests_to(UPSERT) - upserts, ROWS as u64);
    let s = summary(&run);
    assert_eq!(outcome(&s, "updated"), ROWS as u64, "{s}");
    assert_eq!(s["delta"]["full"], true);
    assert_eq!(s["delta"]["remembered"], ROWS as u64);
    f.sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_file_of_another_location_is_refused_before_anything_is_sent() {
    let mut f = Fixture::new(MAPPING, burst_config()).await;
    write_csv(&f.path("in.csv"), &people(20));
    let other = f.path("other.sqlite");
    StateStore::open(&other, "AnotherLocation00001").unwrap();
    let (run, out) = f.import("in.csv", "other.sqlite", &[]).await;
    assert_eq!(code(&out), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("belongs to location AnotherLocation00001")
            && err.contains(DEFAULT_LOCATION_ID),
        "{err}"
    );
    assert_eq!(f.requests_to("*"), 0);
    assert!(!run.join("ledger.db").exists(), "nothing staged");
    f.sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_stopped_by_the_daily_budget_remembers_only_the_rows_it_delivered() {
    let mut config = burst_config();
    // Enough for two full tag batches (100 rows each) but not for the whole file.
    config.rate_limit.daily = Some(260);
    let mut f = Fixture::new(MAPPING, config).await;
    write_csv(&f.path("in.csv"), &people(ROWS));
    let (run, out) = f
        .import(
            "in.csv",
            "state.sqlite",
            &["--daily-reserve", "10", "--concurrency", "4"],
        )
        .await;
    assert_eq!(code(&out), Some(75), "{}", stderr(&out));

    let ledger = Ledger::open(&run.join("ledger.db")).unwrap();
    let counts: BTreeMap<String, u64> = ledger
        .state_counts()
        .unwrap()
        .iter()
        .map(|(s, n)| (s.as_str().to_string(), n))
        .collect();
    let delivered = ledger.delivered().unwrap();
    assert!(
        !delivered.is_empty() && (delivered.len() as u64) < ROWS as u64,
        "stopped midway: {counts:?}"
    );
    let store = StateStore::open(&f.path("state.sqlite"), DEFAULT_LOCATION_ID).unwrap();
    // Every delivered row is remembered with its contact...
    let delivered_rows = success(&run);
    assert_eq!(delivered_rows.len(), delivered.len());
    for (email, (_, id)) in &delivered_rows {
        let remembered = store.delivered(&format!("email:{email}")).unwrap();
        assert_eq!(
            remembered.map(|r| r.contact_id).as_ref(),
            Some(id),
            "{email}"
        );
    }
    // ...and no row left in doubt or pending is, by either of its keys.
    let waiting = ledger.delta_candidates(0, ROWS).unwrap();
    assert_eq!(waiting.len() + delivered_rows.len(), ROWS, "{counts:?}");
    for row in &waiting {
        let payload: serde_json::Value = serde_json::from_str(&row.payload_json).unwrap();
        for key in ghl_bulk::import::delta::identity_keys(&payload) {
            assert_eq!(store.delivered(&key).unwrap(), None, "{key}: {counts:?}");
        }
    }
    let s = summary(&run);
    assert_eq!(s["delta"]["remembered"], delivered.len() as u64);
    f.sandbox.shutdown().await.unwrap();
}
