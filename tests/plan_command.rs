//! `ghl-bulk plan` and `import --plan` end to end against the sandbox: the plan sends only
//! reads, writes plan.csv / plan.xlsx / report.html with each row's action, contact and
//! changes, and exits 0; `import --plan` sends what the plan printed, refuses (exit 4, nothing
//! sent) a changed file, a changed mapping or a second run, and rejects `plan_stale` a row
//! whose contact changed since the plan read it.

use crate::util::{self, assert_stderr_has, ghl_bulk, stderr, GhlCommand, Sandbox};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

const TOKEN: &str = "pit-plan-test";

const MAPPING: &str = r#"version = 1
default_region = "DE"

[fields]
firstName = "First Name"
lastName = "Last Name"
email = "Email"
phone = "Phone"
companyName = "Company"
"#;

/// Anna shares Owen's phone (a conflict), Bea's company changed (an update), Cy is as the
/// location holds him (unchanged), Dan is new (a create).
const FILE: &str = "Email,Phone,First Name,Last Name,Company\n\
anna.mueller@example.de,+49 30 1234567,Anna,Müller,Müller AG\n\
bea@example.de,,Bea,Berg,B\n\
cy@example.de,,Cy,Cole,C\n\
dan@example.de,,Dan,Dorn,D\n";

struct Case {
    sandbox: Sandbox,
    dir: tempfile::TempDir,
    owen: String,
    bea: String,
}

impl Case {
    fn new() -> Case {
        let sandbox = Sandbox::start(util::with_token(util::fast_config(15, (0, 0)), TOKEN));
        let owen = sandbox.insert(json!({
            "firstName": "Owen", "lastName": "Kowalczyk", "email": "owen.k@example.de",
            "phone": "+49301234567", "companyName": "Kowalczyk Bau",
        }));
        let bea = sandbox.insert(json!({
            "firstName": "Bea", "lastName": "Berg", "email": "bea@example.de",
            "companyName": "A",
        }));
        sandbox.insert(json!({
            "firstName": "Cy", "lastName": "Cole", "email": "cy@example.de",
            "companyName": "C",
        }));
        let dir = tempfile::tempdir().expect("a temp dir");
        std::fs::write(dir.path().join("people.csv"), FILE).expect("the file");
        std::fs::write(dir.path().join("people.toml"), MAPPING).expect("the mapping");
        Case {
            sandbox,
            dir,
            owen,
            bea,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self) -> Command {
        let mut cmd = ghl_bulk();
        cmd.no_config().api(&self.sandbox.base_url(), TOKEN);
        cmd
    }

    fn plan(&self, run_dir: &Path) -> std::process::Output {
        self.command()
            .arg("plan")
            .arg(self.path("people.csv"))
            .arg("--mapping")
            .arg(self.path("people.toml"))
            .arg("--run-dir")
            .arg(run_dir)
            .output()
            .expect("the binary runs")
    }

    fn carry_out(&self, run_dir: &Path) -> std::process::Output {
        self.command()
            .args(["import", "--plan"])
            .arg(run_dir)
            .output()
            .expect("the binary runs")
    }

    /// Requests the sandbox answered that can change a contact.
    fn writes(&self) -> u64 {
        self.sandbox
            .stats()
            .by_route
            .iter()
            .filter(|(route, _)| {
                !route.starts_with("GET ") && route.as_str() != "POST /contacts/search"
            })
            .map(|(_, by_status)| by_status.values().sum::<u64>())
            .sum()
    }

    fn total(&self) -> u64 {
        self.sandbox.stats().total_requests
    }

    /// The sandbox's contact `id` as it is now.
    fn contact(&self, id: &str) -> Value {
        let all = self.sandbox.contacts();
        let found = all.into_iter().find(|c| c["id"] == id);
        found.unwrap_or_else(|| panic!("contact {id} is still there"))
    }

    /// The run folder `name`, holding a plan of the file as it is now (exit 0).
    fn planned(&self, name: &str) -> PathBuf {
        let run_dir = self.path(name);
        let out = self.plan(&run_dir);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        run_dir
    }

    /// Carrying out `run_dir` is refused (exit 4) with a message holding `says`, and sends
    /// nothing.
    fn refused(&self, run_dir: &Path, says: &str) {
        let sent = self.total();
        let out = self.carry_out(run_dir);
        assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
        assert_stderr_has(&out, says);
        assert_eq!(self.total(), sent, "a refused plan sends nothing");
    }
}

/// plan.csv's rows as maps from header to cell (BOM stripped).
fn plan_rows(run_dir: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    util::csv_file::maps(&run_dir.join("plan.csv"))
}

/// The number after `label` in `text` (`Estimate: 5 requests` → 5).
fn number_after(text: &str, label: &str) -> Option<u64> {
    let at = text.find(label)? + label.len();
    let digits: String = text[at..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[test]
fn plan_reads_only_and_import_plan_carries_it_out() {
    let case = Case::new();
    let run_dir = case.path("runs/plan");
    let before = case.sandbox.contacts();
    let out = case.plan(&run_dir);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "plan written: {text}");
    assert_eq!(case.writes(), 0, "the plan sends reads only");
    assert_eq!(case.sandbox.contacts(), before);
    assert!(
        text.contains("1 create, 1 update, 1 unchanged, 1 conflict"),
        "{text}"
    );
    assert!(text.contains("ghl-bulk import --plan"), "{text}");

    let rows = plan_rows(&run_dir);
    let by_email = |email: &str| {
        rows.iter()
            .find(|r| r["Email"] == email)
            .unwrap_or_else(|| panic!("{email} in plan.csv: {rows:?}"))
    };
    let anna = by_email("anna.mueller@example.de");
    assert_eq!(anna["_action"], "conflict");
    assert!(anna["_contact_id"].contains(&case.owen), "{anna:?}");
    assert!(
        anna["_changes"].contains("Owen"),
        "the conflict names Owen: {anna:?}"
    );
    let bea = by_email("bea@example.de");
    assert_eq!(bea["_action"], "update");
    assert_eq!(bea["_contact_id"], case.bea);
    assert!(bea["_changes"].contains("companyName: A → B"), "{bea:?}");
    assert_eq!(by_email("cy@example.de")["_action"], "unchanged");
    let dan = by_email("dan@example.de");
    assert_eq!(dan["_action"], "create");
    assert_eq!(dan["_row"], "5");
    assert!(run_dir.join("plan.xlsx").is_file());
    let html = std::fs::read_to_string(run_dir.join("report.html")).expect("report.html");
    assert!(html.contains("<h2>Plan</h2>"), "the report shows the plan");
    assert_eq!(util::summary(&run_dir)["command"], "plan");

    // Carrying it out costs what the plan printed (writes + the dateUpdated check).
    let announced = number_after(&text, "Estimate:").expect("the plan prints an estimate");
    let sent_before = case.total();
    let out = case.carry_out(&run_dir);
    let carried = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(3),
        "Anna's conflict is rejected: {carried}"
    );
    assert_eq!(case.total() - sent_before, announced, "{carried}");
    let owen = case.contact(&case.owen);
    assert_eq!(owen["firstName"], "Owen", "Owen is untouched");
    let emails: Vec<Value> = case
        .sandbox
        .contacts()
        .iter()
        .map(|c| c["email"].clone())
        .collect();
    assert!(emails.contains(&json!("dan@example.de")));

    // Once only.
    case.refused(&run_dir, "carried out already");
}

#[test]
fn import_plan_refuses_a_changed_file_or_mapping() {
    let case = Case::new();
    let run_dir = case.planned("runs/file");
    std::fs::write(
        case.path("people.csv"),
        format!("{FILE}eve@example.de,,Eve,E,E\n"),
    )
    .expect("the file changes");
    case.refused(&run_dir, "changed since the plan");

    std::fs::write(case.path("people.csv"), FILE).expect("the file as planned");
    let run_dir = case.planned("runs/mapping");
    std::fs::write(
        case.path("people.toml"),
        MAPPING.replace("companyName = \"Company\"\n", ""),
    )
    .expect("the mapping changes");
    case.refused(&run_dir, "mapping");

    // A run folder that holds no plan (a validate run) is not carried out either.
    let validated = case.path("runs/validated");
    let out = util::validate(
        &case.path("people.csv"),
        &case.path("people.toml"),
        &validated,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    case.refused(&validated, "holds no finished plan");
}

#[test]
fn a_contact_changed_since_the_plan_is_rejected_plan_stale() {
    let case = Case::new();
    let run_dir = case.planned("runs/stale");
    // Someone edits Bea in HighLevel between the plan and carrying it out.
    let base = case.sandbox.base_url();
    let bea = case.bea.clone();
    let status = case.sandbox.block_on(async move {
        crate::util::http()
            .put(format!("{base}/contacts/{bea}"))
            .bearer_auth(TOKEN)
            .header("Version", "2021-07-28")
            .json(&json!({"firstName": "Beatrix"}))
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    assert_eq!(status.ok(), Some(200));
    let out = case.carry_out(&run_dir);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let rejects = std::fs::read_to_string(run_dir.join("rejects.csv")).expect("rejects.csv");
    let line = util::line_starting(&rejects, "bea@example.de");
    assert!(line.contains("plan_stale"), "{line}");
    assert!(line.contains("run `ghl-bulk plan` again"), "{line}");
    let bea = case.contact(&case.bea);
    assert_eq!(bea["companyName"], "A", "the stale row was not sent");
}

/// Regression: `plan --base-url U --location L` printed `ghl-bulk import --plan DIR`, and that
/// command, run as printed, stopped with "no location". The folder's recorded target now fills
/// what the command line leaves out.
#[test]
fn import_plan_runs_as_printed_when_plan_was_given_flags() {
    let case = Case::new();
    let run_dir = case.path("flags-plan");
    let flags = |cmd: &mut Command| {
        cmd.env_remove("GHL_BASE_URL")
            .env_remove("GHL_LOCATION_ID")
            .env("GHL_TOKEN", TOKEN);
    };
    let mut plan = ghl_bulk();
    plan.no_config();
    flags(&mut plan);
    let out = plan
        .arg("plan")
        .arg(case.path("people.csv"))
        .arg("--mapping")
        .arg(case.path("people.toml"))
        .args(["--base-url", &case.sandbox.base_url()])
        .args(["--location", ghl_sandbox::DEFAULT_LOCATION_ID])
        .arg("--run-dir")
        .arg(&run_dir)
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("ghl-bulk import --plan {}", run_dir.display())),
        "{}",
        stderr(&out)
    );

    let mut carry = ghl_bulk();
    carry.no_config();
    flags(&mut carry);
    let out = carry
        .args(["import", "--plan"])
        .arg(&run_dir)
        .output()
        .expect("the binary runs");
    // Anna's conflict is a reject (3); the rest was carried out against the recorded target.
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_stderr_has(&out, "1 created, 1 updated");
    // The dateUpdated check is said with its cost: the estimate printed after it leaves it out.
    assert_stderr_has(
        &out,
        "against HighLevel (1 search): 0 changed since the plan",
    );
}
