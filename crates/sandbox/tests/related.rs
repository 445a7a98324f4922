//! A contact's related records beyond the shape checks of the conformance test: notes and tasks
//! by id belong to their contact, edits move `dateUpdated`, a contact delete takes its notes,
//! tasks and appointments with it, scopes, counters, `--generate`'s records, `--data`, and the
//! `/_sandbox/snapshot` view.

use crate::util;
use crate::util::{next_millisecond, persistent, start, unlimited};
use ghl_sandbox::{Config, TokenConfig, DEFAULT_LOCATION_ID};
use serde_json::{json, Value};

async fn snapshot(api: &util::Api) -> Value {
    let r = api
        .client
        .get(format!(
            "{}/_sandbox/snapshot?locationId={DEFAULT_LOCATION_ID}",
            api.base
        ))
        .send()
        .await
        .expect("admin");
    r.json().await.expect("json")
}

fn contact_entry<'a>(snap: &'a Value, id: &str) -> Option<&'a Value> {
    snap["locations"][0]["contacts"]
        .as_array()?
        .iter()
        .find(|c| c["contact"]["id"] == id)
}

#[tokio::test]
async fn notes_and_tasks_belong_to_their_contact_and_go_with_it() {
    let mut cfg = unlimited();
    cfg.locations[0]
        .contacts
        .push(json!({"id": "Booked00000000000001", "email": "b@x.io"}));
    cfg.locations[0].appointments =
        vec![json!({"contactId": "Booked00000000000001", "startTime": "2026-06-01 10:00:00"})];
    cfg.tokens.push(
        TokenConfig::new("read-only", DEFAULT_LOCATION_ID).with_scopes(&["contacts.readonly"]),
    );
    let (h, api) = start(cfg).await;
    let (_, a) = api.upsert(json!({"email": "a@x.io"})).await;
    let (_, b) = api.upsert(json!({"email": "b2@x.io"})).await;
    let r = api
        .post(&format!("/contacts/{a}/notes"), json!({"body": "n"}))
        .await;
    let note = r.body["note"]["id"].as_str().unwrap().to_string();
    let r = api
        .post(
            &format!("/contacts/{a}/tasks"),
            json!({"title": "t", "dueDate": "2030-01-01T10:00:00Z", "completed": false}),
        )
        .await;
    let task = r.body["task"]["id"].as_str().unwrap().to_string();

    // Another contact's path does not reach them.
    for path in [
        format!("/contacts/{b}/notes/{note}"),
        format!("/contacts/{b}/tasks/{task}"),
    ] {
        let r = api.get(&path).await;
        assert_eq!(r.status, 400, "{path}");
        assert!(r.body["message"].as_str().unwrap().contains("not found"));
        assert_eq!(api.delete(&path).await.status, 400);
    }
    // Read-only tokens read, and are refused writes before anything else.
    let ro = api.with_token("read-only");
    assert_eq!(
        ro.get(&format!("/contacts/{a}/tasks/{task}")).await.status,
        200
    );
    let r = ro
        .put(
            &format!("/contacts/{a}/tasks/{task}/completed"),
            json!({"completed": true}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["message"].as_str()),
        (401, Some("The token is not authorized for this scope."))
    );

    // An edit moves dateUpdated (seen in the snapshot; the API's objects have no such field).
    let before = snapshot(&api).await;
    let task_before = contact_entry(&before, &a).unwrap()["tasks"][0].clone();
    next_millisecond().await;
    let r = api
        .put(
            &format!("/contacts/{a}/tasks/{task}/completed"),
            json!({"completed": true}),
        )
        .await;
    assert_eq!(r.body["task"]["completed"], true);
    let after = snapshot(&api).await;
    let task_after = &contact_entry(&after, &a).unwrap()["tasks"][0];
    assert_eq!(task_after["completed"], true);
    assert!(task_after["dateUpdated"].as_str() > task_before["dateUpdated"].as_str());
    assert_eq!(task_after["id"], task_before["id"]);
    let booked = contact_entry(&after, "Booked00000000000001").unwrap();
    assert_eq!(
        booked["appointments"][0]["startTime"],
        "2026-06-01 10:00:00"
    );

    // Deleting contacts takes their notes, tasks and appointments; ids are not reused.
    for id in [a.as_str(), "Booked00000000000001"] {
        assert_eq!(api.delete(&format!("/contacts/{id}")).await.status, 200);
    }
    let gone = snapshot(&api).await;
    assert!(contact_entry(&gone, &a).is_none());
    assert_eq!(
        gone["locations"][0]["contacts"].as_array().unwrap().len(),
        1
    );
    assert_eq!(h.snapshot(Some(DEFAULT_LOCATION_ID)), gone);
    let r = api.get(&format!("/contacts/{a}/notes/{note}")).await;
    assert_eq!(r.status, 400);

    // The counters name the new routes like the others.
    let stats = api.stats().await;
    let by = serde_json::to_value(&stats).unwrap()["by_route"].clone();
    for route in [
        "GET /contacts/{contactId}/notes/{id}",
        "PUT /contacts/{contactId}/tasks/{taskId}/completed",
        "GET /contacts/{contactId}/tasks/{taskId}",
    ] {
        assert!(by.get(route).is_some(), "{route} not counted: {by}");
    }
}

#[tokio::test]
async fn generated_tasks_and_appointments_are_served_and_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("s.json");
    let cfg = || Config {
        generate: 200,
        seed: 11,
        ..persistent(&data)
    };
    let (h, api) = start(cfg()).await;
    let snap = snapshot(&api).await;
    let contacts = snap["locations"][0]["contacts"].as_array().unwrap().clone();
    assert_eq!(contacts.len(), 200);
    let with = |k: &str| contacts.iter().filter(|c| c[k] != json!([])).count();
    assert!(with("tasks") > 10 && with("appointments") > 10);
    assert_eq!(with("notes"), 0);
    for c in contacts
        .iter()
        .filter(|c| c["appointments"] != json!([]))
        .take(5)
    {
        let id = c["contact"]["id"].as_str().unwrap();
        let r = api.get(&format!("/contacts/{id}/appointments")).await;
        assert_eq!(r.body["events"], c["appointments"]);
        let r = api.get(&format!("/contacts/{id}/tasks")).await;
        let ids = |v: &Value| -> Vec<Value> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|t| t["id"].clone())
                .collect()
        };
        assert_eq!(ids(&r.body["tasks"]), ids(&c["tasks"]));
    }
    h.shutdown().await.unwrap();
    // A saved sandbox keeps them (and does not generate again).
    let (_h, api) = start(cfg()).await;
    assert_eq!(snapshot(&api).await, snap);
}
