use super::*;

fn entry(identity: &str, contact_id: &str, hash: &str) -> DeliveredEntry {
    DeliveredEntry {
        identity: identity.to_string(),
        contact_id: contact_id.to_string(),
        payload_hash: hash.to_string(),
        contact_hash: Some(format!("c-{hash}")),
    }
}

#[test]
fn remembers_deliveries_across_opens_and_replaces_older_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/state.sqlite");
    {
        let mut store = StateStore::open(&path, "Loc1").unwrap();
        assert_eq!(store.delivered("email:a@example.com").unwrap(), None);
        store
            .record_delivered(
                &[
                    entry("email:a@example.com", "c1", "h1"),
                    entry("phone:+14155550100", "c2", "h2"),
                ],
                "2026-11-23T00:00:00Z",
            )
            .unwrap();
        store
            .record_delivered(
                &[entry("email:a@example.com", "c1", "h3")],
                "2026-11-24T00:00:00Z",
            )
            .unwrap();
    }
    let mut store = StateStore::open(&path, "Loc1").unwrap();
    assert_eq!(
        store.delivered("email:a@example.com").unwrap(),
        Some(Delivered {
            contact_id: "c1".into(),
            payload_hash: "h3".into(),
            contact_hash: Some("c-h3".into()),
        })
    );
    store.forget(&["phone:+14155550100".to_string()]).unwrap();
    assert_eq!(store.delivered("phone:+14155550100").unwrap(), None);
}

#[test]
fn a_file_of_another_location_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite");
    StateStore::open(&path, "LocA").unwrap();
    let err = StateStore::open(&path, "LocB").unwrap_err();
    assert!(matches!(err, StateError::OtherLocation { .. }), "{err}");
    assert!(err.to_string().contains("LocA"), "{err}");
}

#[test]
fn watermarks_are_kept_per_target() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite");
    let mut store = StateStore::open(&path, "Loc1").unwrap();
    assert_eq!(store.watermark("/srv/a.csv").unwrap(), None);
    store
        .set_watermark("/srv/a.csv", "2026-11-22T00:00:00Z", "now")
        .unwrap();
    store
        .set_watermark("/srv/b.csv", "2026-11-20T00:00:00Z", "now")
        .unwrap();
    store
        .set_watermark("/srv/a.csv", "2026-11-23T00:00:00Z", "now")
        .unwrap();
    assert_eq!(
        store.watermark("/srv/a.csv").unwrap().as_deref(),
        Some("2026-11-23T00:00:00Z")
    );
    assert_eq!(
        store.watermark("/srv/b.csv").unwrap().as_deref(),
        Some("2026-11-20T00:00:00Z")
    );
}

#[test]
fn default_paths_never_leave_the_state_folder() {
    if let Ok(path) = default_path("../../etc/passwd") {
        assert_eq!(path.file_name().unwrap(), "______etc_passwd.sqlite");
        assert!(path.parent().unwrap().ends_with("ghl-bulk/state"));
    }
    assert_eq!(file_stem(""), "_");
    assert_eq!(file_stem("ve9EPM428h8vShlRW1KT"), "ve9EPM428h8vShlRW1KT");
}

#[cfg(unix)]
#[test]
fn the_state_folder_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("state");
    StateStore::open(&folder.join("x.sqlite"), "Loc1").unwrap();
    let mode = std::fs::metadata(&folder).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o700);
}

#[test]
fn forgetting_contacts_drops_every_identity_of_theirs_and_only_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = StateStore::open(&dir.path().join("s.sqlite"), "Loc1").unwrap();
    store
        .record_delivered(
            &[
                entry("email:a@example.com", "c1", "h1"),
                entry("phone:+14155550100", "c1", "h1"),
                entry("email:b@example.com", "c2", "h2"),
            ],
            "2026-11-23T00:00:00Z",
        )
        .unwrap();
    let forgotten = store
        .forget_contacts(&["c1".to_string(), "c1".to_string(), "gone".to_string()])
        .unwrap();
    assert_eq!(forgotten, 2);
    assert_eq!(store.delivered("email:a@example.com").unwrap(), None);
    assert_eq!(store.delivered("phone:+14155550100").unwrap(), None);
    assert!(store.delivered("email:b@example.com").unwrap().is_some());
    // Twice in one connection: the scratch table is emptied between calls.
    assert_eq!(store.forget_contacts(&["c2".to_string()]).unwrap(), 1);
}
