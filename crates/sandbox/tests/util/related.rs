//! The conformance test's tour of notes and tasks by id (get, update, delete, `completed`), kept
//! apart so the main test stays readable. Every call goes through [`Api::call`]/[`Api::raw`],
//! so requests and answers are checked against the spec like the rest.

use super::Api;
use serde_json::json;

/// Notes and tasks by id: every documented status of get, update, delete and `completed`.
pub async fn by_id(api: &Api, id: &str, missing: &str) {
    let r = api
        .call(
            "POST",
            &format!("/contacts/{id}/notes"),
            Some(json!({"body": "first"})),
        )
        .await;
    let note = format!(
        "/contacts/{id}/notes/{}",
        r.body["note"]["id"].as_str().unwrap()
    );
    assert_eq!(
        api.call("GET", &note, None).await.body["note"]["body"],
        "first"
    );
    let r = api
        .call("PUT", &note, Some(json!({"body": "second", "title": "t", "color": "#00FF00", "pinned": true, "userId": "User000000000000002"})))
        .await;
    assert_eq!(
        (r.status, r.body["note"]["body"].as_str()),
        (200, Some("second"))
    );
    assert_eq!(
        api.raw("PUT", &note, Some(json!({"pinned": "yes"})), &[])
            .await
            .status,
        422
    );
    for m in ["GET", "PUT", "DELETE"] {
        let body = (m == "PUT").then(|| json!({"body": "x"}));
        let unknown = format!("/contacts/{id}/notes/{missing}");
        assert_eq!(
            api.call(m, &unknown, body.clone()).await.status,
            400,
            "{m} {unknown}"
        );
    }
    assert_eq!(api.call("DELETE", &note, None).await.status, 200);
    assert_eq!(api.call("GET", &note, None).await.status, 400);

    let r = api
        .call(
            "POST",
            &format!("/contacts/{id}/tasks"),
            Some(json!({"title": "t", "dueDate": "2030-01-01T10:00:00Z", "completed": false})),
        )
        .await;
    let task = format!(
        "/contacts/{id}/tasks/{}",
        r.body["task"]["id"].as_str().unwrap()
    );
    assert_eq!(
        api.call("GET", &task, None).await.body["task"]["title"],
        "t"
    );
    let r = api
        .call("PUT", &task, Some(json!({"title": "u", "body": "b", "dueDate": "2031-02-03T04:05:00Z", "completed": false, "assignedTo": "User000000000000002"})))
        .await;
    assert_eq!(
        (r.status, r.body["task"]["dueDate"].as_str()),
        (200, Some("2031-02-03T04:05:00Z"))
    );
    assert_eq!(
        api.raw("PUT", &task, Some(json!({"dueDate": "soon"})), &[])
            .await
            .status,
        422
    );
    let done = format!("{task}/completed");
    let r = api
        .call("PUT", &done, Some(json!({"completed": true})))
        .await;
    assert_eq!(
        (r.status, r.body["task"]["completed"].as_bool()),
        (200, Some(true))
    );
    assert_eq!(
        api.raw("PUT", &done, Some(json!({})), &[]).await.status,
        422
    );
    for (m, suffix) in [
        ("GET", ""),
        ("PUT", ""),
        ("DELETE", ""),
        ("PUT", "/completed"),
    ] {
        let body = (m == "PUT").then(|| json!({"completed": true}));
        let unknown = format!("/contacts/{id}/tasks/{missing}{suffix}");
        assert_eq!(
            api.call(m, &unknown, body.clone()).await.status,
            400,
            "{m} {unknown}"
        );
    }
    assert_eq!(api.call("DELETE", &task, None).await.status, 200);
    assert_eq!(api.call("GET", &task, None).await.status, 400);
}
