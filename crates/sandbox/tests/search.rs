//! `POST /contacts/search`: validation of the body, filters (eq, contains, exists, range, OR
//! groups), sorts, `total`, and paging: `page` stops at 10,000 records, `searchAfter` walks
//! past them.

use crate::util;
use crate::util::{each, eventually, start, unlimited, Api};
use serde_json::{json, Value};
use std::collections::HashSet;

async fn search(api: &Api, body: Value) -> util::Reply {
    let mut b = json!({"locationId": api.location});
    if let (Some(m), Some(extra)) = (b.as_object_mut(), body.as_object()) {
        m.extend(extra.clone());
    }
    api.post("/contacts/search", b).await
}

fn ids(r: &util::Reply) -> Vec<String> {
    r.body["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn filters_sorts_and_validation() {
    let (h, api) = start(unlimited()).await;
    let loc = api.location.clone();
    for (email, first, tags, added, score) in [
        (
            "ann@acme.io",
            "Ann",
            json!(["vip"]),
            "2021-01-10T00:00:00.000Z",
            10,
        ),
        (
            "bob@acme.io",
            "Bob",
            json!(["lead"]),
            "2022-06-01T00:00:00.000Z",
            50,
        ),
        (
            "cy@other.org",
            "Cy",
            json!(["lead", "vip"]),
            "2023-03-03T00:00:00.000Z",
            90,
        ),
        (
            "dee@other.org",
            "Dee",
            json!([]),
            "2024-12-24T00:00:00.000Z",
            0,
        ),
    ] {
        let mut c = json!({"email": email, "firstName": first, "tags": tags, "dateAdded": added});
        if score > 0 {
            c["customFields"] = json!([{"id": "CfLeadScore000000001", "field_value": score}]);
        }
        h.insert_contact(&loc, c).unwrap();
    }
    let r = search(&api, json!({"pageLimit": 10})).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["total"], 4);
    let names = each(&r.body["contacts"], "firstName");
    assert_eq!(
        names,
        ["Ann", "Bob", "Cy", "Dee"],
        "default order is dateAdded asc"
    );
    let first = &r.body["contacts"][0];
    assert_eq!(first["searchAfter"][0], 1_610_236_800_000_i64);
    assert_eq!(first["searchAfter"][1], first["id"]);

    let count = |body: Value| {
        let api = api.clone();
        async move {
            let r = search(&api, body).await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.body["total"].as_u64().unwrap()
        }
    };
    assert_eq!(count(json!({"pageLimit": 5, "filters": [{"field": "email", "operator": "eq", "value": "BOB@acme.io"}]})).await, 1);
    assert_eq!(count(json!({"pageLimit": 5, "filters": [{"field": "tags", "operator": "eq", "value": "vip"}]})).await, 2);
    assert_eq!(
        count(json!({"pageLimit": 5, "filters": [{"field": "tags", "operator": "exists"}]})).await,
        3
    );
    assert_eq!(count(json!({"pageLimit": 5, "filters": [{"field": "firstNameLowerCase", "operator": "contains", "value": "e"}]})).await, 1);
    assert_eq!(count(json!({"pageLimit": 5, "filters": [{"field": "dateAdded", "operator": "range", "value": {"gte": "2022-01-01T00:00:00.000Z", "lt": "2024-01-01"}}]})).await, 2);
    assert_eq!(count(json!({"pageLimit": 5, "filters": [{"field": "dateUpdated", "operator": "range", "value": {"gt": 1_700_000_000_000_i64}}]})).await, 1);
    assert_eq!(count(json!({"pageLimit": 5, "filters": [{"field": "customFields.CfLeadScore000000001", "operator": "range", "value": {"gte": 50}}]})).await, 2);
    assert_eq!(count(json!({"pageLimit": 5, "filters": [
        {"group": "OR", "filters": [{"field": "tags", "operator": "eq", "value": "lead"}, {"field": "tags", "operator": "not_exists"}]},
        {"field": "email", "operator": "not_eq", "value": "cy@other.org"}
    ]})).await, 2);
    assert_eq!(count(json!({"pageLimit": 5, "query": "acme"})).await, 2);
    let ann = first["id"].as_str().unwrap().to_string();
    assert_eq!(
        count(
            json!({"pageLimit": 5, "filters": [{"field": "id", "operator": "eq", "value": ann}]})
        )
        .await,
        1
    );
    assert_eq!(count(json!({"pageLimit": 5, "filters": [{"field": "id", "operator": "eq", "value": ann.to_lowercase()}]})).await, u64::from(ann == ann.to_lowercase()));
    assert_eq!(count(json!({"pageLimit": 5, "filters": [{"field": "id", "operator": "not_eq", "value": ann}]})).await, 3);

    let r = search(
        &api,
        json!({"pageLimit": 2, "sort": [{"field": "firstNameLowerCase", "direction": "desc"}]}),
    )
    .await;
    assert_eq!(r.body["contacts"][0]["firstName"], "Dee");
    let next = r.body["contacts"][1]["searchAfter"].clone();
    let r2 = search(&api, json!({"pageLimit": 2, "sort": [{"field": "firstNameLowerCase", "direction": "desc"}], "searchAfter": next})).await;
    let names = each(&r2.body["contacts"], "firstName");
    assert_eq!(names, ["Bob", "Ann"]);

    for (body, status) in [
        (json!({"locationId": loc}), 422),
        (json!({"locationId": loc, "pageLimit": 501}), 422),
        (json!({"pageLimit": 10}), 422),
        (
            json!({"locationId": loc, "pageLimit": 10, "sort": [{"field": "dateAdded", "direction": "asc"}, {"field": "email", "direction": "asc"}, {"field": "dnd", "direction": "asc"}]}),
            422,
        ),
        (
            json!({"locationId": loc, "pageLimit": 10, "filters": [{"field": "email", "operator": "contains", "value": "a"}]}),
            422,
        ),
        (
            json!({"locationId": loc, "pageLimit": 10, "filters": [{"field": "nope", "operator": "eq", "value": "a"}]}),
            422,
        ),
        (
            json!({"locationId": loc, "pageLimit": 10, "unknown": 1}),
            422,
        ),
        (
            json!({"locationId": "OtherLocation0000002", "pageLimit": 10}),
            403,
        ),
    ] {
        let r = api
            .raw("POST", "/contacts/search", Some(body.clone()), &[])
            .await;
        assert_eq!(r.status, status, "{body} → {}", r.body);
    }
}

#[tokio::test]
async fn page_paging_stops_at_10000_and_search_after_walks_everything() {
    let mut cfg = unlimited();
    cfg.generate = 10_600;
    let (_h, api) = start(cfg).await;
    let r = search(&api, json!({"pageLimit": 500, "page": 20})).await;
    assert_eq!(r.status, 200, "page 20 × 500 = 10,000 is still allowed");
    assert_eq!(r.body["contacts"].as_array().unwrap().len(), 500);
    assert_eq!(r.body["total"], 10_600);
    let r = search(&api, json!({"pageLimit": 500, "page": 21})).await;
    assert_eq!(r.status, 400);
    assert!(
        r.body["message"].as_str().unwrap().contains("searchAfter"),
        "{}",
        r.body
    );
    let r = search(&api, json!({"pageLimit": 100, "page": 101})).await;
    assert_eq!(r.status, 400);

    let mut seen = HashSet::new();
    let mut cursor: Option<Value> = None;
    let mut pages = 0;
    let mut last_added = 0_i64;
    loop {
        let mut body = json!({"pageLimit": 500});
        if let Some(c) = &cursor {
            body["searchAfter"] = c.clone();
        }
        let r = search(&api, body).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let page = r.body["contacts"].as_array().unwrap();
        for c in page {
            let added = c["searchAfter"][0].as_i64().unwrap();
            assert!(added >= last_added, "sorted by dateAdded");
            last_added = added;
        }
        for id in ids(&r) {
            assert!(seen.insert(id), "a contact came twice");
        }
        pages += 1;
        if page.len() < 500 {
            break;
        }
        cursor = Some(page[page.len() - 1]["searchAfter"].clone());
        assert!(pages < 30);
    }
    assert_eq!(seen.len(), 10_600);
    assert_eq!(pages, 22);
}

#[tokio::test]
async fn index_lag_hides_new_contacts_for_a_while() {
    let mut cfg = unlimited();
    cfg.search_index_lag = std::time::Duration::from_millis(400);
    let (_h, api) = start(cfg).await;
    let (_, id) = api.upsert(json!({"email": "lag@x.io"})).await;
    let r = search(&api, json!({"pageLimit": 10})).await;
    assert_eq!(r.body["total"], 0, "not indexed yet");
    assert_eq!(
        api.get(&format!("/contacts/{id}")).await.status,
        200,
        "GET by id sees it at once"
    );
    // Indexed once the lag has passed.
    let api = &api;
    eventually(
        "the search index",
        std::time::Duration::from_secs(10),
        || async move { search(api, json!({"pageLimit": 10})).await.body["total"] == 1 },
    )
    .await;
}

/// `eq` on email and phone lists (alone, in OR groups, under AND) is answered from the indexes;
/// the same filter beside a branch that forces a scan must give the same contacts and total.
#[tokio::test]
async fn email_and_phone_look_ups_answer_as_the_scan_does() {
    let mut cfg = unlimited();
    cfg.generate = 3_000;
    let (_h, api) = start(cfg).await;
    let stored = api.stored().await;
    let field = |name: &str, step: usize| -> Vec<Value> {
        stored
            .iter()
            .filter_map(|c| c[name].as_str())
            .step_by(step)
            .take(60)
            .map(|s| json!(s))
            .collect()
    };
    let mut emails = field("email", 37);
    // Case does not matter, unknown values find nothing.
    emails.push(json!(emails[0].as_str().unwrap().to_uppercase()));
    emails.push(json!("nobody@nowhere.example"));
    let phones = field("phone", 41);
    assert!(emails.len() > 50 && phones.len() > 50);
    let by_email = json!({"field": "email", "operator": "eq", "value": emails});
    let by_phone = json!({"field": "phone", "operator": "eq", "value": phones});
    let one_email = json!({"field": "email", "operator": "eq", "value": emails[3]});
    let tagged = json!({"field": "tags", "operator": "exists"});
    // Matches nothing and cannot be looked up: an OR holding it scans every contact.
    let scan = json!({"field": "id", "operator": "eq", "value": "NoSuchContactId00000"});
    for filters in [
        json!([by_email]),
        json!([by_phone]),
        json!([one_email]),
        json!([{"group": "OR", "filters": [by_email, by_phone]}]),
        json!([by_email, tagged]),
        json!([{"group": "AND", "filters": [tagged, {"group": "OR", "filters": [by_phone, one_email]}]}]),
    ] {
        let indexed = search(&api, json!({"pageLimit": 500, "filters": filters})).await;
        let scanned = search(
            &api,
            json!({"pageLimit": 500, "filters": [{"group": "OR", "filters": [{"group": "AND", "filters": filters}, scan]}]}),
        )
        .await;
        assert_eq!(indexed.status, 200, "{}", indexed.body);
        assert_eq!(indexed.body["total"], scanned.body["total"], "{filters}");
        assert_eq!(ids(&indexed), ids(&scanned), "{filters}");
        assert!(indexed.body["total"].as_u64().unwrap() > 0, "{filters}");
    }
    let r = search(&api, json!({"pageLimit": 500, "filters": [by_email]})).await;
    assert_eq!(
        r.body["total"], 60,
        "60 stored e-mails, one twice in another case, one unknown"
    );
}
