//! Conformance: every route the sandbox serves, driven to its success status and to each error
//! status the spec lists for it, with every request checked against the spec's request schema
//! and every answer against the response schema for its status (see `util/spec.rs` for how the
//! OpenAPI files are loaded and where the spec had to be patched). The test ends by checking
//! that no documented status of any route was left unexercised, except those listed in
//! `UNREACHABLE` with the reason.

use crate::util;
use crate::util::oauth::Check;
use crate::util::spec::{Spec, CHECKED};
use crate::util::{each, start, unlimited, Api};
use ghl_sandbox::TokenConfig;
use serde_json::{json, Value};

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
    let r = api.post("/contacts/", full.clone()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["contact"]["id"].as_str().unwrap().to_string();
    expect_statuses(
        &api,
        vec![
            ("POST", "/contacts/".into(), Some(full), 400),
            (
                "POST",
                "/contacts/".into(),
                Some(json!({"locationId": loc, "email": "x@y.io", "bogus": 1})),
                422,
            ),
        ],
    )
    .await;

    // Upsert: 200 (new and existing), 400, 422.
    let (new, _) = api
        .upsert(json!({"email": "upsert@example.org", "createNewIfDuplicateAllowed": false}))
        .await;
    assert!(new);
    let (new, same) = api
        .upsert(json!({"email": "rosalind@example.org", "city": "Cambridge"}))
        .await;
    assert!(!new && same == id);
    let upsert = || "/contacts/upsert".to_string();
    expect_statuses(
        &api,
        vec![
            (
                "POST",
                upsert(),
                Some(json!({"locationId": loc, "firstName": "x"})),
                400,
            ),
            (
                "POST",
                upsert(),
                Some(json!({"locationId": loc, "email": 5})),
                422,
            ),
        ],
    )
    .await;

    // Get / update / delete; tags.
    let path = format!("/contacts/{id}");
    let tags = format!("{path}/tags");
    let missing_tags = format!("/contacts/{missing}/tags");
    let bulk = json!({"locationId": loc, "contacts": [id, missing, "bad"], "tags": ["x"]});
    let add = || "/contacts/bulk/tags/update/add".to_string();
    let business = || "/contacts/bulk/business".to_string();
    expect_statuses(
        &api,
        vec![
            ("GET", path.clone(), None, 200),
            ("GET", format!("/contacts/{missing}"), None, 400),
            (
                "PUT",
                path.clone(),
                Some(json!({"firstName": "Rosie", "dateOfBirth": null, "assignedTo": null})),
                200,
            ),
            (
                "PUT",
                format!("/contacts/{missing}"),
                Some(json!({"firstName": "x"})),
                400,
            ),
            ("PUT", path.clone(), Some(json!({"companyName": "x"})), 422),
            ("POST", tags.clone(), Some(json!({"tags": ["a", "b"]})), 201),
            ("DELETE", tags.clone(), Some(json!({"tags": ["a"]})), 200),
            (
                "POST",
                missing_tags.clone(),
                Some(json!({"tags": ["a"]})),
                400,
            ),
            ("POST", tags.clone(), Some(json!({"tags": "a"})), 422),
            ("DELETE", missing_tags, Some(json!({"tags": ["a"]})), 400),
            ("DELETE", tags, Some(json!({"tags": "a"})), 422),
            ("POST", add(), Some(bulk.clone()), 201),
            (
                "POST",
                "/contacts/bulk/tags/update/remove".into(),
                Some(bulk),
                201,
            ),
            (
                "POST",
                add(),
                Some(
                    json!({"locationId": loc, "contacts": [id], "tags": [], "removeAllTags": true}),
                ),
                400,
            ),
            (
                "POST",
                add(),
                Some(json!({"locationId": loc, "tags": []})),
                422,
            ),
            (
                "POST",
                business(),
                Some(json!({"locationId": loc, "ids": [id], "businessId": null})),
                200,
            ),
            (
                "POST",
                business(),
                Some(json!({"locationId": loc, "ids": [id]})),
                422,
            ),
        ],
    )
    .await;

    // Search and duplicate lookup.
    let r = api.post("/contacts/search", json!({"locationId": loc, "pageLimit": 10, "filters": [{"field": "tags", "operator": "eq", "value": "b"}], "sort": [{"field": "dateUpdated", "direction": "desc"}]})).await;
    assert_eq!((r.status, r.body["total"].clone()), (200, json!(1)));
    let search = || "/contacts/search".to_string();
    let duplicate = format!("/contacts/search/duplicate?locationId={loc}");
    expect_statuses(
        &api,
        vec![
            (
                "POST",
                search(),
                Some(json!({"locationId": loc, "pageLimit": 500, "page": 21})),
                400,
            ),
            ("POST", search(), Some(json!({"locationId": loc})), 422),
            (
                "GET",
                format!("{duplicate}&email=rosalind%40example.org"),
                None,
                200,
            ),
        ],
    )
    .await;
    assert_eq!(
        api.get(&format!("{duplicate}&number=%2B442079460958"))
            .await
            .body["contact"]["id"],
        id.as_str()
    );
    assert_eq!(api.get(&duplicate).await.status, 400);

    // Notes, tasks, custom fields.
    let notes = format!("{path}/notes");
    let tasks = format!("{path}/tasks");
    expect_statuses(
        &api,
        vec![
            ("POST", notes.clone(), Some(json!({"body": "b", "title": "t", "color": "#FFAA00", "pinned": false, "userId": "User000000000000001"})), 201),
            ("GET", notes.clone(), None, 200),
            ("GET", format!("/contacts/{missing}/notes"), None, 400),
            ("POST", format!("/contacts/{missing}/notes"), Some(json!({"body": "b"})), 400),
            ("POST", notes, Some(json!({"body": 1})), 422),
            ("POST", tasks.clone(), Some(json!({"title": "t", "body": "b", "dueDate": "2030-01-01T10:00:00Z", "completed": true, "assignedTo": "User000000000000001"})), 201),
            ("GET", tasks.clone(), None, 200),
            ("GET", format!("/contacts/{missing}/tasks"), None, 400),
            (
                "POST",
                format!("/contacts/{missing}/tasks"),
                Some(json!({"title": "t", "dueDate": "2030-01-01T10:00:00Z", "completed": false})),
                400,
            ),
            ("POST", tasks, Some(json!({"title": "t"})), 422),
        ],
    )
    .await;
    util::related::by_id(&api, &id, missing).await;
    let r = api.get(&format!("/contacts/{booked}/appointments")).await;
    assert_eq!(r.status, 200);
    let starts = each(&r.body["events"], "startTime");
    assert_eq!(starts, ["2026-03-01 09:00:00", "2026-05-04 15:00:00"]);
    let cf = format!("/locations/{loc}/customFields");
    expect_statuses(
        &api,
        vec![
            (
                "GET",
                format!("/contacts/{missing}/appointments"),
                None,
                400,
            ),
            ("GET", cf.clone(), None, 200),
            ("GET", format!("{cf}?model=nope"), None, 422),
            // Delete last (the contact is used above).
            ("DELETE", path.clone(), None, 200),
            ("DELETE", path.clone(), None, 400),
        ],
    )
    .await;

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
    assert_eq!(ro.get(&cf).await.status, 401);
    assert_eq!(
        api.get("/locations/OtherLocation0000002/customFields")
            .await
            .status,
        403
    );
    // Only the answers are checked against the spec here, as before: the forms go unchecked.
    let post_form = |form: Vec<(&'static str, &'static str)>| {
        let api = api.clone();
        async move { api.form("/oauth/token", &form, Check::Skip).await.status }
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
            ("client_id", ghl_sandbox::DEFAULT_CLIENT_ID),
            ("client_secret", ghl_sandbox::DEFAULT_CLIENT_SECRET),
            ("grant_type", "client_credentials"),
        ])
        .await,
        400
    );
    crate::agency::every_documented_agency_status(&api).await;
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

/// Sends each request in order and asserts its status. A 422 case's body breaks the spec on
/// purpose, so it goes out unchecked (`raw`); every other body must match the spec (`call`).
/// The answer is checked against the spec either way.
async fn expect_statuses(api: &Api, cases: Vec<(&str, String, Option<Value>, u16)>) {
    for (method, path, body, status) in cases {
        let r = if status == 422 {
            api.raw(method, &path, body, &[]).await
        } else {
            api.call(method, &path, body).await
        };
        assert_eq!(r.status, status, "{method} {path}: {}", r.body);
    }
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
