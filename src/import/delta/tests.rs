use super::*;
use crate::delivery::followup_keys::note_key;
use crate::ledger::state::{DeliveredEntry, FollowupEntry};
use crate::mapping::{self, Mapping};
use serde_json::json;

fn mapping(custom: &[&str]) -> Mapping {
    let mut text = String::from("version = 1\n[fields]\nemail = \"Email\"\n");
    for (n, key) in custom.iter().enumerate() {
        text.push_str(&format!(
            "[[custom_fields]]\nkey = \"{key}\"\ncolumn = \"C{n}\"\n"
        ));
    }
    let spec = mapping::parse(&text, Path::new("t.toml")).unwrap();
    let headers: Vec<String> = ["Email", "C0", "C1"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    Mapping::compile(&spec, &headers, None, Path::new("t.toml")).unwrap()
}

fn hasher() -> PayloadHasher {
    PayloadHasher::new(&mapping(&["contact.a", "contact.b"]), "ctx")
}

#[test]
fn the_hash_ignores_key_and_tag_order_and_nothing_else() {
    let h = hasher();
    let base = json!({"email": "a@x.com", "firstName": "Ann", "tags": ["vip", "expo"],
        "customFields": [{"i": 0, "v": "1"}, {"i": 1, "v": "2"}], "notes": ["met"]});
    let same = json!({"notes": ["met"], "customFields": [{"i": 1, "v": "2"}, {"i": 0, "v": "1"}],
        "tags": ["expo", "vip"], "firstName": "Ann", "email": "a@x.com"});
    assert_eq!(h.hash(&base), h.hash(&same));
    assert_eq!(h.hash(&base).len(), 32);

    let mut changes = Vec::new();
    for (key, value) in [
        ("firstName", json!("Anne")),
        ("tags", json!(["vip", "expo", "new"])),
        ("notes", json!(["met", "called back"])),
        (
            "customFields",
            json!([{"i": 0, "v": "1"}, {"i": 1, "v": "3"}]),
        ),
        ("dnd", json!(true)),
        // A key a later payload gains (a task, a business) changes the hash too.
        ("tasks", json!([{"title": "call"}])),
    ] {
        let mut changed = base.clone();
        changed[key] = value;
        changes.push(h.hash(&changed));
    }
    for hash in &changes {
        assert_ne!(hash, &h.hash(&base));
    }
    // The same value sent to another custom field is another payload.
    let swapped = PayloadHasher::new(&mapping(&["contact.b", "contact.a"]), "ctx");
    assert_ne!(swapped.hash(&base), h.hash(&base));
    // So is the same payload delivered another way.
    let other_mode = PayloadHasher::new(&mapping(&["contact.a", "contact.b"]), "create");
    assert_ne!(other_mode.hash(&base), h.hash(&base));
    // The encoding is unambiguous.
    assert_ne!(
        h.hash(&json!({"x": ["a", "b"]})),
        h.hash(&json!({"x": ["ab"]}))
    );
    assert_ne!(h.hash(&json!({"x": "1"})), h.hash(&json!({"x": 1})));
}

#[test]
fn the_contact_hash_leaves_out_notes_and_task_only() {
    let h = hasher();
    let base = json!({"email": "a@x.com", "tags": ["vip"], "notes": ["met"],
        "task": {"title": "Call", "dueDate": "2026-12-01T12:00:00Z"}});
    let mut other_followups = base.clone();
    other_followups["notes"] = json!(["met", "called"]);
    other_followups["task"]["dueDate"] = json!("2026-12-02T12:00:00Z");
    assert_eq!(h.hash_contact(&base), h.hash_contact(&other_followups));
    assert_ne!(h.hash(&base), h.hash(&other_followups));
    let mut other_contact = base.clone();
    other_contact["tags"] = json!(["vip", "gold"]);
    assert_ne!(h.hash_contact(&base), h.hash_contact(&other_contact));
    // Never the same digest as the whole payload's, even without follow-ups.
    let bare = json!({"email": "a@x.com"});
    assert_ne!(h.hash(&bare), h.hash_contact(&bare));
}

#[test]
fn identity_keys_come_from_the_normalised_email_and_phone() {
    let keys = identity_keys(&json!({"email": "Ann@X.com", "phone": "+14155550100"}));
    assert_eq!(keys, ["email:ann@x.com", "phone:+14155550100"]);
    assert_eq!(
        identity_keys(&json!({"phone": "+14155550100"})),
        ["phone:+14155550100"]
    );
    assert!(identity_keys(&json!({"email": " ", "firstName": "x"})).is_empty());
}

fn delta_with(entries: &[(&str, &str, &str)]) -> (tempfile::TempDir, Delta) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = StateStore::open(&dir.path().join("s.sqlite"), "Loc").unwrap();
    // `h1` and `h2` share a contact part (only the notes or task differ); `h0` does not.
    let entries: Vec<DeliveredEntry> = entries
        .iter()
        .map(|(identity, contact, hash)| DeliveredEntry {
            identity: identity.to_string(),
            contact_id: contact.to_string(),
            payload_hash: hash.to_string(),
            contact_hash: Some(contact_part(hash)),
        })
        .collect();
    store.record_delivered(&entries, "t").unwrap();
    let delta = Delta {
        store,
        hasher: hasher(),
        task_key: "task:t".into(),
        report: DeltaReport::new(String::new(), StateScope::Run, false, 0),
    };
    (dir, delta)
}

fn contact_part(hash: &str) -> String {
    if hash == "h0" { "c-0" } else { "c-12" }.to_string()
}

fn keys(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn unchanged_only_when_every_key_agrees_on_hash_and_contact() {
    let (_dir, delta) = delta_with(&[
        ("email:a@x.com", "c1", "h1"),
        ("phone:+1", "c1", "h1"),
        ("phone:+2", "c2", "h1"),
        ("email:b@x.com", "c3", "h0"),
    ]);
    let verdict = |k: &[&str], h: &str| {
        let prepared = vec![Prepared {
            row: 1,
            keys: keys(k),
            hash: h.to_string(),
            contact_hash: contact_part(h),
            note_keys: Vec::new(),
            has_task: false,
        }];
        let found = delta.look_up(&prepared).unwrap();
        match super::verdict(&found, &prepared[0]) {
            Verdict::Unchanged(c) => format!("unchanged {c}"),
            Verdict::FollowupsOnly(c) => format!("followups {c}"),
            Verdict::Changed(Some(c)) => format!("changed {c}"),
            Verdict::Changed(None) => "changed".into(),
            Verdict::New => "new".into(),
        }
    };
    assert_eq!(
        verdict(&["email:a@x.com", "phone:+1"], "h1"),
        "unchanged c1"
    );
    assert_eq!(verdict(&["email:a@x.com"], "h1"), "unchanged c1");
    // Only the notes or task changed (same contact hash): the contact is not sent again.
    assert_eq!(
        verdict(&["email:a@x.com", "phone:+1"], "h2"),
        "followups c1"
    );
    // The phone was last delivered to another contact: HighLevel may match differently now.
    assert_eq!(verdict(&["email:a@x.com", "phone:+2"], "h1"), "changed");
    assert_eq!(verdict(&["email:a@x.com", "phone:+2"], "h2"), "changed");
    // A key the store does not know (the row gained a phone) is a change, of a known contact.
    assert_eq!(verdict(&["email:a@x.com", "phone:+9"], "h1"), "changed c1");
    assert_eq!(verdict(&["email:a@x.com", "phone:+9"], "h2"), "changed c1");
    assert_eq!(verdict(&["email:b@x.com"], "h1"), "changed c3");
    assert_eq!(verdict(&["email:new@x.com"], "h1"), "new");
    assert_eq!(verdict(&[], "h1"), "new");
}

#[test]
fn loopback_base_urls_are_sandboxes() {
    let is_loopback = |url: &str| crate::api::BaseUrl::parse(url).unwrap().is_loopback();
    assert!(is_loopback("http://127.0.0.1:8080/"));
    assert!(is_loopback("http://[::1]:9/"));
    assert!(is_loopback("http://LOCALHOST:9/"));
    assert!(is_loopback("https://localhost:9/"));
    assert!(!is_loopback("https://services.leadconnectorhq.com/"));
    assert!(!is_loopback("https://10.0.0.1/"));
}

#[test]
fn a_resume_keeps_the_state_file_the_run_started_with() {
    use crate::api::{BaseUrl, ClientConfig, Credentials, Secret};
    let dir = tempfile::tempdir().unwrap();
    let ledger = crate::ledger::Ledger::create(&dir.path().join("ledger.db")).unwrap();
    let remote = |location: &str| {
        Target::Api(Box::new(ClientConfig::new(
            BaseUrl::parse("https://services.example.com/").unwrap(),
            location.to_string(),
            Credentials::Token(Secret::new("t")),
        )))
    };
    let chosen = dir.path().join("nightly.sqlite");
    let options = DeltaOptions {
        state: Some(chosen.clone()),
        full: true,
    };
    let m = mapping(&[]);
    let first = Delta::open(&options, &remote("Loc"), dir.path(), &ledger, &m).unwrap();
    assert_eq!(first.report().scope, StateScope::Location);
    drop(first);
    let resume_at = |location| {
        Delta::open(
            &DeltaOptions::default(),
            &remote(location),
            dir.path(),
            &ledger,
            &m,
        )
    };
    // Resumed without --state or --full: the same file, still full, never the default one.
    let resumed = resume_at("Loc").unwrap();
    assert_eq!(resumed.report().state_file, chosen.display().to_string());
    assert!(resumed.report().full);
    drop(resumed);
    // The location still guards the file.
    let other = resume_at("Other");
    assert!(matches!(
        other,
        Err(ImportError::State(
            crate::ledger::state::StateError::OtherLocation { .. }
        ))
    ));
}

#[test]
fn a_sandbox_keeps_its_state_in_the_run_folder() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = crate::ledger::Ledger::create(&dir.path().join("ledger.db")).unwrap();
    let delta = Delta::open(
        &DeltaOptions::default(),
        &Target::Sandbox,
        dir.path(),
        &ledger,
        &mapping(&[]),
    )
    .unwrap();
    assert_eq!(delta.report().scope, StateScope::Run);
    assert_eq!(
        delta.report().state_file,
        dir.path().join("state.sqlite").display().to_string()
    );
}

#[test]
fn the_memory_handed_to_delivery_is_the_rows_notes_and_task_of_its_contact() {
    let (_dir, mut delta) = delta_with(&[]);
    let remembered = |contact: &str, key: &str, item: &str| FollowupEntry {
        contact_id: contact.into(),
        key: key.into(),
        followup: state::Followup {
            item_id: item.into(),
            content_hash: "h".into(),
            completed: false,
        },
    };
    delta
        .store
        .record_followups(
            &[
                remembered("c1", &note_key("met"), "n1"),
                remembered("c1", &note_key("other"), "n2"),
                remembered("c1", "task:t", "t1"),
                remembered("c2", "task:t", "t2"),
            ],
            "now",
        )
        .unwrap();
    let row = Prepared {
        row: 7,
        keys: keys(&["email:a@x.com"]),
        hash: "h1".into(),
        contact_hash: "c".into(),
        note_keys: vec![note_key("met"), note_key("new")],
        has_task: true,
    };
    let known = delta.memory(&[(&row, "c1".to_string())]).unwrap();
    let items: Vec<(u64, &str)> = known
        .iter()
        .map(|(r, f)| (*r, f.item_id.as_str()))
        .collect();
    assert_eq!(items, [(7, "n1"), (7, "t1")]);
    assert!(known
        .iter()
        .all(|(_, f)| f.contact_id == "c1" && f.action == "known"));
}
