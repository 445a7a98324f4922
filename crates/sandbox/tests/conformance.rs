//! Conformance: every route the sandbox serves, driven to its success status and to each error
//! status the spec lists for it, with every request checked against the spec's request schema
//! and every answer against the response schema for its status (see `util/spec.rs` for how the
//! OpenAPI files are loaded and where the spec had to be patched). The test ends by checking
//! that no documented status of any route was left unexercised, except those listed in
//! `UNREACHABLE` with the reason.

use crate::util;
use crate::util::spec::{Spec, CHECKED};
use crate::util::{start, unlimited};
use ghl_sandbox::TokenConfig;
use serde_json::json;

/// Documented statuses the sandbox has no way to produce, and why.
const UNREACHABLE: &[(&str, &str, u16, &str)] = &[
    (
        "GET",
        "/contacts/{contactId}",
        422,
        "a GET has no body to validate; unknown ids are 400",
    ),
    (
        "DELETE",
        "/contacts/{contactId}",
        422,
        "a DELETE has no body to validate; unknown ids are 400",
    ),
    (
        "GET",
        "/contacts/{contactId}/notes/{id}",
        422,
        "a GET has no body to validate; unknown ids are 400",
    ),
    (
        "DELETE",
        "/contacts/{contactId}/notes/{id}",
        422,
        "a DELETE has no body to validate; unknown ids are 400",
    ),
    (
        "GET",
        "/contacts/{contactId}/appointments",
        422,
        "a GET has no body or query to validate; unknown contacts are 400",
    ),
    (
        "GET",
        "/locations/{locationId}/customFields",
        400,
        "the only input is `model`, whose errors are 422",
    ),
];

#[tokio::test]
async fn every_route_and_documented_status_matches_the_spec() {
    // Only this test's checks count towards the coverage below.
    CHECKED.with_borrow_mut(|checked| checked.clear());
    let mut cfg = unlimited();
    // A preloaded contact with appointments: the contacts API only lists them.
    let booked = "BookedContact0000001";
    cfg.locations[0]
        .contacts
        .push(json!({"id": booked, "email": "booked@example.org"}));
    cfg.locations[0].appointments = vec![
        json!({"contactId": booked, "startTime": "2026-05-04 15:00:00", "title": "Demo", "notes": "n",
               "address": "a", "assignedUserId": "User000000000000001", "groupId": "g",
               "users": ["User000000000000001"], "assignedResources": ["r"]}),
        json!({"contactId": booked, "startTime": "2026-03-01T09:00:00Z", "endTime": "2026-03-01T10:00:00Z"}),
    ];
    cfg.tokens.push(
        TokenConfig::new("read-only", ghl_sandbox::DEFAULT_LOCATION_ID)
            .with_scopes(&["contacts.readonly"]),
    );
    let (_h, api) = start(cfg).await;
    let loc = api.location.clone();
    let missing = "AAAAAAAAAAAAAAAAAAAA";

    // Create: 201, 400 (duplicate), 422.
    let full = json!({
        "locationId": loc, "firstName": "Rosalind", "lastName": "Franklin", "name": "Rosalind Franklin",
        "email": "rosalind@example.org", "phone": "+44 20 7946 0958", "gender": "female", "address1": "1 Strand",
        "city": "London", "state": "England", "postalCode": "WC2N 5DU", "website": "https://example.org",
        "timezone": "Europe/London", "dnd": false,
        "dndSettings": {"Call": {"status": "active", "message": "m", "code": "c"}, "Email": {"status": "inactive"}},
        "inboundDndSettings": {"all": {"status": "active", "message": "m"}},
        "tags": ["Scientist"], "source": "public api", "dateOfBirth": "1920-07-25", "country": "GB",
        "companyName": "King's College", "assignedTo": "User000000000000001",
        "customFields": [
            {"id": "CfLeadScore000000001", "field_value": 88},
            {"id": "CfInterests000000003", "field_value": ["Chess", "Golf"]},
            {"id": "CfMemo00000000000004", "field_value": "DNA"}
        ]
    });
    let r = api.call("POST", "/contacts/", Some(full.clone())).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["contact"]["id"].as_str().unwrap().to_string();
    assert_eq!(api.call("POST", "/contacts/", Some(full)).await.status, 400);
    assert_eq!(
        api.raw(
            "POST",
            "/contacts/",
            Some(json!({"locationId": loc, "email": "x@y.io", "bogus": 1})),
            &[]
        )
        .await
        .status,
        422
    );

    // Upsert: 200 (new and existing), 400, 422.
    let (new, _) = api
        .upsert(json!({"email": "upsert@example.org", "createNewIfDuplicateAllowed": false}))
        .await;
    assert!(new);
    let (new, same) = api
        .upsert(json!({"email": "rosalind@example.org", "city": "Cambridge"}))
        .await;
    assert!(!new && same == id);
    assert_eq!(
        api.call(
            "POST",
            "/contacts/upsert",
            Some(json!({"locationId": loc, "firstName": "x"}))
        )
        .await
        .status,
        400
    );
    assert_eq!(
        api.raw(
            "POST",
            "/contacts/upsert",
            Some(json!({"locationId": loc, "email": 5})),
            &[]
        )
        .await
        .status,
        422
    );

    // Get / update / delete.
    let path = format!("/contacts/{id}");
    assert_eq!(api.call("GET", &path, None).await.status, 200);
    assert_eq!(
        api.call("GET", &format!("/contacts/{missing}"), None)
            .await
            .status,
        400
    );
    assert_eq!(
        api.call(
            "PUT",
            &path,
            Some(json!({"firstName": "Rosie", "dateOfBirth": null, "assignedTo": null}))
        )
        .await
        .status,
        200
    );
    assert_eq!(
        api.call(
            "PUT",
            &format!("/contacts/{missing}"),
            Some(json!({"firstName": "x"}))
        )
        .await
        .status,
        400
    );
    assert_eq!(
        api.raw("PUT", &path, Some(json!({"companyName": "x"})), &[])
            .await
            .status,
        422
    );

    // Tags.
    let tags = format!("{path}/tags");
    assert_eq!(
        api.call("POST", &tags, Some(json!({"tags": ["a", "b"]})))
            .await
            .status,
        201
    );
    assert_eq!(
        api.call("DELETE", &tags, Some(json!({"tags": ["a"]})))
            .await
            .status,
        200
    );
    for m in ["POST", "DELETE"] {
        assert_eq!(
            api.call(
                m,
                &format!("/contacts/{missing}/tags"),
                Some(json!({"tags": ["a"]}))
            )
            .await
            .status,
            400
        );
        assert_eq!(
            api.raw(m, &tags, Some(json!({"tags": "a"})), &[])
                .await
                .status,
            422
        );
    }
    let bulk = json!({"locationId": loc, "contacts": [id, missing, "bad"], "tags": ["x"]});
    assert_eq!(
        api.call("POST", "/contacts/bulk/tags/update/add", Some(bulk.clone()))
            .await
            .status,
        201
    );
    assert_eq!(
        api.call("POST", "/contacts/bulk/tags/update/remove", Some(bulk))
            .await
            .status,
        201
    );
    assert_eq!(
        api.call(
            "POST",
            "/contacts/bulk/tags/update/add",
            Some(json!({"locationId": loc, "contacts": [id], "tags": [], "removeAllTags": true}))
        )
        .await
        .status,
        400
    );
    assert_eq!(
        api.raw(
            "POST",
            "/contacts/bulk/tags/update/add",
            Some(json!({"locationId": loc, "tags": []})),
            &[]
        )
        .await
        .status,
        422
    );
    assert_eq!(
        api.call(
            "POST",
            "/contacts/bulk/business",
            Some(json!({"locationId": loc, "ids": [id], "businessId": null}))
        )
        .await
        .status,
        200
    );
    assert_eq!(
        api.raw(
            "POST",
            "/contacts/bulk/business",
            Some(json!({"locationId": loc, "ids": [id]})),
            &[]
        )
        .await
        .status,
        422
    );

    // Search and duplicate lookup.
    let r = api.call("POST", "/contacts/search", Some(json!({"locationId": loc, "pageLimit": 10, "filters": [{"field": "tags", "operator": "eq", "value": "b"}], "sort": [{"field": "dateUpdated", "direction": "desc"}]}))).await;
    assert_eq!((r.status, r.body["total"].clone()), (200, json!(1)));
    assert_eq!(
        api.call(
            "POST",
            "/contacts/search",
            Some(json!({"locationId": loc, "pageLimit": 500, "page": 21}))
        )
        .await
        .status,
        400
    );
    assert_eq!(
        api.raw(
            "POST",
            "/contacts/search",
            Some(json!({"locationId": loc})),
            &[]
        )
        .await
        .status,
        422
    );
    assert_eq!(
        api.call(
            "GET",
            &format!("/contacts/search/duplicate?locationId={loc}&email=rosalind%40example.org"),
            None
        )
        .await
        .status,
        200
    );
    assert_eq!(
        api.call(
            "GET",
            &format!("/contacts/search/duplicate?locationId={loc}&number=%2B442079460958"),
            None
        )
        .await
        .body["contact"]["id"],
        id.as_str()
    );
    assert_eq!(
        api.call(
            "GET",
            &format!("/contacts/search/duplicate?locationId={loc}"),
            None
        )
        .await
        .status,
        400
    );

    // Notes, tasks, custom fields.
    let notes = format!("{path}/notes");
    assert_eq!(api.call("POST", &notes, Some(json!({"body": "b", "title": "t", "color": "#FFAA00", "pinned": false, "userId": "User000000000000001"}))).await.status, 201);
    assert_eq!(api.call("GET", &notes, None).await.status, 200);
    assert_eq!(
        api.call("GET", &format!("/contacts/{missing}/notes"), None)
            .await
            .status,
        400
    );
    assert_eq!(
        api.call(
            "POST",
            &format!("/contacts/{missing}/notes"),
            Some(json!({"body": "b"}))
        )
        .await
        .status,
        400
    );
    assert_eq!(
        api.raw("POST", &notes, Some(json!({"body": 1})), &[])
            .await
            .status,
        422
    );
    let tasks = format!("{path}/tasks");
    assert_eq!(api.call("POST", &tasks, Some(json!({"title": "t", "body": "b", "dueDate": "2030-01-01T10:00:00Z", "completed": true, "assignedTo": "User000000000000001"}))).await.status, 201);
    assert_eq!(api.call("GET", &tasks, None).await.status, 200);
    assert_eq!(
        api.call("GET", &format!("/contacts/{missing}/tasks"), None)
            .await
            .status,
        400
    );
    assert_eq!(
        api.call(
            "POST",
            &format!("/contacts/{missing}/tasks"),
            Some(json!({"title": "t", "dueDate": "2030-01-01T10:00:00Z", "completed": false}))
        )
        .await
        .status,
        400
    );
    assert_eq!(
        api.raw("POST", &tasks, Some(json!({"title": "t"})), &[])
            .await
            .status,
        422
    );
    util::related::by_id(&api, &id, missing).await;
    let r = api
        .call("GET", &format!("/contacts/{booked}/appointments"), None)
        .await;
    assert_eq!(r.status, 200);
    let starts: Vec<&str> = r.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["startTime"].as_str().unwrap())
        .collect();
    assert_eq!(starts, ["2026-03-01 09:00:00", "2026-05-04 15:00:00"]);
    assert_eq!(
        api.call("GET", &format!("/contacts/{missing}/appointments"), None)
            .await
            .status,
        400
    );
    let cf = format!("/locations/{loc}/customFields");
    assert_eq!(api.call("GET", &cf, None).await.status, 200);
    assert_eq!(
        api.call("GET", &format!("{cf}?model=nope"), None)
            .await
            .status,
        422
    );

    // Delete last (the contact is used above).
    assert_eq!(api.call("DELETE", &path, None).await.status, 200);
    assert_eq!(api.call("DELETE", &path, None).await.status, 400);

    // 401 on every bearer route, 403 where a location is named, OAuth errors.
    for op in &Spec::get().ops {
        if op.template == "/oauth/token" {
            continue;
        }
        let concrete = op
            .template
            .replace("{contactId}", missing)
            .replace("{locationId}", &loc)
            .replace("{id}", missing)
            .replace("{taskId}", missing)
            .replace("{type}", "add");
        let r = api
            .raw(&op.method, &concrete, None, &[("Version", "")])
            .await;
        assert_eq!(r.status, 401, "{} {concrete}", op.method);
    }
    let ro = api.with_token("read-only");
    assert_eq!(ro.call("GET", &cf, None).await.status, 401);
    assert_eq!(
        api.call("GET", "/locations/OtherLocation0000002/customFields", None)
            .await
            .status,
        403
    );
    let post_form = |form: Vec<(&'static str, &'static str)>| {
        let api = api.clone();
        async move {
            let r = api
                .client
                .post(format!("{}/oauth/token", api.base))
                .form(&form)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.unwrap();
            Spec::get()
                .check_response("POST", "/oauth/token", status, &body)
                .unwrap();
            status
        }
    };
    let good = vec![
        ("client_id", ghl_sandbox::DEFAULT_CLIENT_ID),
        ("client_secret", ghl_sandbox::DEFAULT_CLIENT_SECRET),
        ("grant_type", "refresh_token"),
        ("refresh_token", ghl_sandbox::DEFAULT_REFRESH_TOKEN),
    ];
    assert_eq!(post_form(good.clone()).await, 200);
    assert_eq!(post_form(good).await, 401);
    assert_eq!(
        post_form(vec![
            ("client_id", "x"),
            ("client_secret", "y"),
            ("grant_type", "authorization_code"),
            ("code", "c")
        ])
        .await,
        400
    );
    assert_eq!(post_form(vec![("client_id", "x")]).await, 422);

    // Coverage: every documented status of every route was produced and checked.
    let checked = CHECKED.with_borrow(|checked| checked.clone());
    let mut missing_statuses = Vec::new();
    for op in &Spec::get().ops {
        // 401 is checked on every route, also where the spec forgot to list it (bulk routes).
        for status in op.responses.keys().copied().chain([401]) {
            let exempt = UNREACHABLE
                .iter()
                .any(|(m, t, s, _)| *m == op.method && *t == op.template && *s == status);
            if !exempt && !checked.contains(&(op.method.clone(), op.template.clone(), status)) {
                missing_statuses.push(format!("{} {} {status}", op.method, op.template));
            }
        }
    }
    assert!(
        missing_statuses.is_empty(),
        "documented statuses never exercised: {missing_statuses:?}"
    );
}

#[test]
fn the_validators_reject_bodies_that_break_the_spec() {
    let spec = Spec::get();
    let path = "/contacts/AAAAAAAAAAAAAAAAAAAA";
    assert!(spec
        .check_response(
            "GET",
            path,
            200,
            &json!({"contact": {"id": "x", "phone": "+1"}})
        )
        .is_ok());
    assert!(
        spec.check_response(
            "GET",
            path,
            200,
            &json!({"contact": {"id": "x", "phone": 5}})
        )
        .is_err(),
        "wrong type"
    );
    assert!(
        spec.check_response(
            "GET",
            path,
            200,
            &json!({"contact": {"id": "x", "invented": "y"}})
        )
        .is_err(),
        "undocumented field"
    );
    assert!(
        spec.check_response(
            "GET",
            path,
            400,
            &json!({"statusCode": 400, "message": ["array"]})
        )
        .is_err(),
        "400 message is a string"
    );
    assert!(
        spec.check_response(
            "POST",
            "/contacts/bulk/tags/update/add",
            201,
            &json!({"succeded": true, "errorCount": 0})
        )
        .is_err(),
        "responses required"
    );
    assert!(
        spec.check_response("POST", "/contacts/search", 200, &json!({"contacts": []}))
            .is_err(),
        "total required (5f8673c)"
    );
    assert!(spec
        .check_response(
            "POST",
            "/contacts/search",
            200,
            &json!({"contacts": [{"id": "x", "searchAfter": [1, "x"]}], "total": 1})
        )
        .is_ok());
    assert!(spec
        .check_request("PUT", path, &json!({"dnd": "yes"}))
        .is_err());
    assert!(
        spec.check_request("POST", "/contacts/", &json!({"email": "no-location@x.io"}))
            .is_err(),
        "locationId required"
    );
    assert!(spec
        .check_request(
            "POST",
            "/contacts/search",
            &json!({"locationId": "x", "pageLimit": 501})
        )
        .is_err());
    assert!(
        spec.check_request(
            "POST",
            "/contacts/upsert",
            &json!({"locationId": "x", "customFields": [{"id": "a", "field_value": 1.5}]})
        )
        .is_ok(),
        "numeric field_value patched from `object`"
    );
}
