//! The conformance test's tour of notes and tasks by id (get, update, delete, `completed`), kept
//! apart so the main test stays readable. Every call goes through [`Api::call`]/[`Api::raw`],
//! so requests and answers are checked against the spec like the rest.

use super::Api;
use serde_json::{json, Value};

/// Notes and tasks by id: every documented status of get, update, delete and `completed`.
pub async fn by_id(api: &Api, id: &str, missing: &str) {
    let note = Record::create(api, id, ("notes", "note"), json!({"body": "first"})).await;
    note.reads("body", json!("first")).await;
    let edit = json!({"body": "second", "title": "t", "color": "#00FF00", "pinned": true, "userId": "User000000000000002"});
    note.put("", edit, ("body", json!("second"))).await;
    note.refuses("", json!({"pinned": "yes"})).await;
    let unknown = format!("/contacts/{id}/notes/{missing}");
    let calls = [("GET", ""), ("PUT", ""), ("DELETE", "")];
    unknown_is_400(api, &unknown, &calls, json!({"body": "x"})).await;
    note.delete().await;

    let new = json!({"title": "t", "dueDate": "2030-01-01T10:00:00Z", "completed": false});
    let task = Record::create(api, id, ("tasks", "task"), new).await;
    task.reads("title", json!("t")).await;
    let edit = json!({"title": "u", "body": "b", "dueDate": "2031-02-03T04:05:00Z", "completed": false, "assignedTo": "User000000000000002"});
    task.put("", edit, ("dueDate", json!("2031-02-03T04:05:00Z")))
        .await;
    task.refuses("", json!({"dueDate": "soon"})).await;
    let done = json!({"completed": true});
    task.put("/completed", done, ("completed", json!(true)))
        .await;
    task.refuses("/completed", json!({})).await;
    let unknown = format!("/contacts/{id}/tasks/{missing}");
    let calls = [
        ("GET", ""),
        ("PUT", ""),
        ("DELETE", ""),
        ("PUT", "/completed"),
    ];
    unknown_is_400(api, &unknown, &calls, json!({"completed": true})).await;
    task.delete().await;
}

/// A note or task the tour created, by its path.
struct Record<'a> {
    api: &'a Api,
    path: String,
    /// The key of one record in an answer (`note`, `task`).
    one: &'static str,
}

impl<'a> Record<'a> {
    /// POSTs `body` to the contact's `many` (`notes`, `tasks`).
    async fn create(
        api: &'a Api,
        contact: &str,
        (many, one): (&str, &'static str),
        body: Value,
    ) -> Record<'a> {
        let r = api
            .call("POST", &format!("/contacts/{contact}/{many}"), Some(body))
            .await;
        let id = r.body[one]["id"].as_str().unwrap();
        let path = format!("/contacts/{contact}/{many}/{id}");
        Record { api, path, one }
    }

    /// A GET reads `field` back as `want`.
    async fn reads(&self, field: &str, want: Value) {
        let r = self.api.call("GET", &self.path, None).await;
        assert_eq!(r.body[self.one][field], want);
    }

    /// A PUT of `body` to the path and `suffix` answers 200 with the record's `field` now `want`.
    async fn put(&self, suffix: &str, body: Value, (field, want): (&str, Value)) {
        let path = format!("{}{suffix}", self.path);
        let r = self.api.call("PUT", &path, Some(body)).await;
        assert_eq!(
            (r.status, &r.body[self.one][field]),
            (200, &want),
            "PUT {path}"
        );
    }

    /// A PUT of a `body` the DTO refuses (sent unchecked: it breaks the spec on purpose) is a
    /// 422.
    async fn refuses(&self, suffix: &str, body: Value) {
        let path = format!("{}{suffix}", self.path);
        let status = self.api.raw("PUT", &path, Some(body), &[]).await.status;
        assert_eq!(status, 422, "PUT {path}");
    }

    /// A DELETE answers 200, and a GET afterwards finds nothing (400).
    async fn delete(&self) {
        assert_eq!(self.api.call("DELETE", &self.path, None).await.status, 200);
        assert_eq!(self.api.call("GET", &self.path, None).await.status, 400);
    }
}

/// Each `(method, suffix)` on the unknown record's path answers 400; a PUT sends `put_body`.
async fn unknown_is_400(api: &Api, unknown: &str, calls: &[(&str, &str)], put_body: Value) {
    for (m, suffix) in calls {
        let body = (*m == "PUT").then(|| put_body.clone());
        let path = format!("{unknown}{suffix}");
        assert_eq!(api.call(m, &path, body).await.status, 400, "{m} {path}");
    }
}
