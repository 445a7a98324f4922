//! Contact writes and reads over loopback: duplicates, upsert matching, tags, normalisation,
//! strict DTOs, notes, tasks, bulk routes, custom fields.

use crate::util::oauth::Check;
use crate::util::{eventually, next_millisecond, start, unlimited};
use ghl_sandbox::{Config, LocationConfig, MatchField, TokenConfig};
use serde_json::json;

#[tokio::test]
async fn create_returns_201_with_contact_and_normalises_fields() {
    let (_h, api) = start(unlimited()).await;
    let r = api
        .post("/contacts/", json!({
            "locationId": api.location, "firstName": "Ada", "lastName": "Lovelace", "email": "Ada@Example.com",
            "phone": "+1 (888) 555-0100", "tags": ["VIP", "Lead", "vip"], "dateOfBirth": "12/10/1815", "country": "gb",
            "customFields": [{"id": "CfLeadScore000000001", "field_value": "42"}, {"id": "CfColour000000000002", "field_value": "Red"}]
        }))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let c = &r.body["contact"];
    let id = c["id"].as_str().unwrap();
    assert_eq!(id.len(), 20);
    assert!(id.chars().all(|ch| ch.is_ascii_alphanumeric()));
    assert_eq!(c["phone"], "+18885550100");
    assert_eq!(c["emailLowerCase"], "ada@example.com");
    assert_eq!(c["tags"], json!(["vip", "lead"]));
    assert_eq!(c["country"], "GB");
    assert_eq!(c["dateOfBirth"], "1815-12-10T00:00:00.000Z");
    assert_eq!(c["birthMonth"], 11);
    assert_eq!(
        c["customFields"],
        json!([{"id": "CfLeadScore000000001", "value": 42.0}, {"id": "CfColour000000000002", "value": "Red"}])
    );
    assert!(c["dateAdded"].as_str().unwrap().ends_with('Z') && c["dateAdded"] == c["dateUpdated"]);
    let got = api.get(&format!("/contacts/{id}")).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["contact"]["dateOfBirth"], "1815-12-10");
    assert_eq!(got.body["contact"]["name"], "Ada Lovelace");
    // The spec's typed custom-field variants require `id`; the description allows `key` instead
    // (ghl-api.md §2.10), so this body is sent unchecked.
    let r = api.unchecked("PUT", &format!("/contacts/{id}"), json!({"customFields": [{"key": "contact.memo", "field_value": "hi"}, {"key": "lead_score", "field_value": null}]})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["contact"]["customFields"],
        json!([{"id": "CfColour000000000002", "value": "Red"}, {"id": "CfMemo00000000000004", "value": "hi"}])
    );
    let r = api
        .unchecked(
            "PUT",
            &format!("/contacts/{id}"),
            json!({"customFields": [{"id": "NoSuchField000000000", "field_value": "x"}]}),
        )
        .await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn phone_without_plus_uses_the_contact_country_then_the_location_country() {
    let (_h, api) = start(unlimited()).await;
    let (_, a) = api
        .upsert(json!({"phone": "07700 900123", "country": "GB"}))
        .await;
    let (_, b) = api.upsert(json!({"phone": "206-555-0188"})).await;
    let stored = api.stored().await;
    let phone = |id: &str| stored.iter().find(|c| c["id"] == id).unwrap()["phone"].clone();
    assert_eq!(phone(&a), "+447700900123");
    assert_eq!(phone(&b), "+12065550188");
}

#[tokio::test]
async fn duplicate_create_returns_400_with_meta() {
    let (_h, api) = start(unlimited()).await;
    let first = api.post("/contacts/", json!({"locationId": api.location, "firstName": "Grace", "lastName": "Hopper", "email": "grace@navy.mil"})).await;
    let id = first.body["contact"]["id"].clone();
    let dup = api
        .post(
            "/contacts/",
            json!({"locationId": api.location, "firstName": "G", "email": "GRACE@navy.mil"}),
        )
        .await;
    assert_eq!(dup.status, 400);
    assert_eq!(
        dup.body["message"],
        "This location does not allow duplicated contacts."
    );
    assert_eq!(
        dup.body["meta"],
        json!({"contactId": id, "contactName": "Grace Hopper", "matchingField": "email"})
    );
    let by_phone = api
        .post(
            "/contacts/",
            json!({"locationId": api.location, "phone": "+1 202 555 0143"}),
        )
        .await;
    assert_eq!(by_phone.status, 201);
    let dup = api
        .post(
            "/contacts/",
            json!({"locationId": api.location, "email": "other@x.io", "phone": "+12025550143"}),
        )
        .await;
    assert_eq!(dup.body["meta"]["matchingField"], "phone");
    assert_eq!(api.stored().await.len(), 2);
}

#[tokio::test]
async fn duplicates_allowed_location_creates_again() {
    let mut cfg = unlimited();
    cfg.locations[0].allow_duplicate_contact = true;
    let (_h, api) = start(cfg).await;
    for _ in 0..2 {
        let r = api
            .post(
                "/contacts/",
                json!({"locationId": api.location, "email": "same@x.io"}),
            )
            .await;
        assert_eq!(r.status, 201);
    }
    let (new, _) = api
        .upsert(json!({"email": "same@x.io", "createNewIfDuplicateAllowed": true}))
        .await;
    assert!(new);
    let (new, _) = api.upsert(json!({"email": "same@x.io"})).await;
    assert!(!new, "without the flag an upsert updates the first match");
    assert_eq!(api.stored().await.len(), 3);
}

#[tokio::test]
async fn upsert_matches_phone_and_does_not_create_a_second_contact() {
    let (_h, api) = start(unlimited()).await;
    let (new, id) = api
        .upsert(json!({"phone": "+1 415 555 0101", "firstName": "Al", "tags": ["A", "B"]}))
        .await;
    assert!(new);
    let (new, id2) = api
        .upsert(json!({"phone": "(415) 555-0101", "lastName": "Turing", "tags": ["C"]}))
        .await;
    assert!(!new);
    assert_eq!(id, id2);
    let stored = api.stored().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0]["tags"],
        json!(["c"]),
        "tags on upsert replace the whole set"
    );
    assert_eq!(stored[0]["firstName"], "Al");
    assert_eq!(stored[0]["lastName"], "Turing");
}

#[tokio::test]
async fn upsert_updates_first_priority_match_and_ignores_conflicting_second_field() {
    let (_h, api) = start(unlimited()).await;
    let (_, by_email) = api.upsert(json!({"email": "e@x.io"})).await;
    let (_, by_phone) = api.upsert(json!({"phone": "+14155550102"})).await;
    let (new, id) = api
        .upsert(json!({"email": "e@x.io", "phone": "+14155550102", "firstName": "Both"}))
        .await;
    assert!(!new);
    assert_eq!(id, by_email, "email is first in the default match order");
    let stored = api.stored().await;
    let e = stored.iter().find(|c| c["id"] == by_email).unwrap();
    assert!(
        e.get("phone").is_none(),
        "the phone belongs to another contact and is not written"
    );
    assert_eq!(e["firstName"], "Both");
    assert!(stored
        .iter()
        .any(|c| c["id"] == by_phone && c["phone"] == "+14155550102"));

    // Phone first: the same request now lands on the phone contact.
    let mut cfg = unlimited();
    cfg.locations[0].match_order = vec![MatchField::Phone, MatchField::Email];
    let (_h2, api2) = start(cfg).await;
    api2.upsert(json!({"email": "e@x.io"})).await;
    let (_, p) = api2.upsert(json!({"phone": "+14155550102"})).await;
    let (_, id) = api2
        .upsert(json!({"email": "e@x.io", "phone": "+14155550102"}))
        .await;
    assert_eq!(id, p);
}

#[tokio::test]
async fn upsert_needs_email_or_phone_and_drops_gender_on_existing() {
    let (_h, api) = start(unlimited()).await;
    let r = api
        .post(
            "/contacts/upsert",
            json!({"locationId": api.location, "firstName": "No"}),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.body["message"],
        "Pass at least one of number, email query parameter"
    );
    let (_, id) = api
        .upsert(json!({"email": "g@x.io", "gender": "female"}))
        .await;
    api.upsert(json!({"email": "g@x.io", "gender": "male"}))
        .await;
    let c = api
        .stored()
        .await
        .into_iter()
        .find(|c| c["id"] == id.as_str())
        .unwrap();
    assert_eq!(
        c["gender"], "female",
        "gender on an existing contact is silently dropped (I#313)"
    );
}

#[tokio::test]
async fn strict_dtos_reject_unknown_properties_per_endpoint() {
    let (_h, api) = start(unlimited()).await;
    let (_, id) = api.upsert(json!({"email": "s@x.io"})).await;
    let r = api
        .unchecked(
            "PUT",
            &format!("/contacts/{id}"),
            json!({"gender": "male", "locationId": api.location, "firstName": "S"}),
        )
        .await;
    assert_eq!(r.status, 422);
    let msgs = r.body["message"].as_array().unwrap();
    assert!(msgs.contains(&json!("property gender should not exist")));
    assert!(msgs.contains(&json!("property locationId should not exist")));
    assert_eq!(r.body["error"], "Unprocessable Entity");
    let r = api
        .unchecked(
            "POST",
            "/contacts/",
            json!({"locationId": api.location, "email": "t@x.io", "additionalEmails": ["a@x.io"]}),
        )
        .await;
    assert_eq!(
        r.body["message"],
        json!(["property additionalEmails should not exist"])
    );
    let r = api
        .unchecked(
            "POST",
            "/contacts/",
            json!({"locationId": api.location, "name": "Only Name"}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["message"].clone()),
        (
            422,
            json!("Contacts without email, phone, firstName and lastName are not allowed.")
        )
    );
    let r = api.unchecked("POST", "/contacts/", json!({"locationId": api.location, "email": "x@y.io", "dateOfBirth": "31/12/1990", "country": "XX", "phone": "abc"})).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["message"].as_array().unwrap().len(), 3, "{}", r.body);
    assert_eq!(api.stored().await.len(), 1, "nothing stored on 422");
}

#[tokio::test]
async fn update_replaces_tags_and_maintains_dates_and_delete_answers_succeded() {
    let (_h, api) = start(unlimited()).await;
    let (_, id) = api
        .upsert(json!({"email": "u@x.io", "tags": ["one", "two"]}))
        .await;
    let before = api.get(&format!("/contacts/{id}")).await.body["contact"].clone();
    next_millisecond().await;
    let r = api
        .put(
            &format!("/contacts/{id}"),
            json!({"tags": ["Three"], "city": "Paris", "source": null}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["succeded"], true);
    assert_eq!(r.body["contact"]["tags"], json!(["three"]));
    assert_eq!(r.body["contact"]["dateAdded"], before["dateAdded"]);
    assert!(r.body["contact"]["dateUpdated"].as_str() > before["dateUpdated"].as_str());
    let d = api.delete(&format!("/contacts/{id}")).await;
    assert_eq!((d.status, d.body.clone()), (200, json!({"succeded": true})));
    let g = api.get(&format!("/contacts/{id}")).await;
    assert_eq!(g.status, 400);
    assert_eq!(g.body["message"], format!("Contact with id {id} not found"));
}

#[tokio::test]
async fn per_contact_tags_add_201_remove_200() {
    let (_h, api) = start(unlimited()).await;
    let (_, id) = api
        .upsert(json!({"email": "t@x.io", "tags": ["keep"]}))
        .await;
    let r = api
        .post(
            &format!("/contacts/{id}/tags"),
            json!({"tags": ["New", "keep"]}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["tags"].clone()),
        (201, json!(["keep", "new"]))
    );
    let r = api
        .call(
            "DELETE",
            &format!("/contacts/{id}/tags"),
            Some(json!({"tags": ["KEEP"]})),
        )
        .await;
    assert_eq!((r.status, r.body["tags"].clone()), (200, json!(["new"])));
}

#[tokio::test]
async fn bulk_tags_give_per_contact_results_and_honour_the_cap() {
    let mut cfg = unlimited();
    cfg.bulk_tags_max = 3;
    let (_h, api) = start(cfg).await;
    let (_, a) = api
        .upsert(json!({"email": "a@x.io", "tags": ["old"]}))
        .await;
    let (_, gone) = api.upsert(json!({"email": "gone@x.io"})).await;
    api.delete(&format!("/contacts/{gone}")).await;
    let body = json!({"locationId": api.location, "contacts": [a, gone, "short"], "tags": ["Hot"]});
    let r = api.post("/contacts/bulk/tags/update/add", body).await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body["succeded"], false);
    assert_eq!(r.body["errorCount"], 2);
    let res = r.body["responses"].as_array().unwrap();
    assert_eq!(res[0]["tagsAdded"], json!(["hot"]));
    assert_eq!(res[0]["oldTags"], json!(["old"]));
    assert_eq!(res[1]["message"], "contact is deleted");
    assert_eq!(res[2]["message"], "contact id is not a valid firebase id");
    let r = api.post("/contacts/bulk/tags/update/remove", json!({"locationId": api.location, "contacts": [a, "AAAAAAAAAAAAAAAAAAAA"], "tags": [], "removeAllTags": true})).await;
    assert_eq!(r.body["responses"][0]["tagsRemoved"], json!(["old", "hot"]));
    assert_eq!(
        r.body["responses"][1]["message"],
        "contact does not belong to location"
    );
    let r = api
        .unchecked(
            "POST",
            "/contacts/bulk/tags/update/add",
            json!({"locationId": api.location, "contacts": [a, a, a, a], "tags": ["x"]}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["message"].clone()),
        (
            422,
            json!(["contacts must contain no more than 3 elements"])
        )
    );
    let r = api
        .unchecked(
            "POST",
            "/contacts/bulk/tags/update/toggle",
            json!({"locationId": api.location, "contacts": [a], "tags": ["x"]}),
        )
        .await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn duplicate_lookup_returns_contact_or_null() {
    let (_h, api) = start(unlimited()).await;
    let (_, id) = api
        .upsert(json!({"email": "d@x.io", "phone": "+14155550177"}))
        .await;
    let loc = api.location.clone();
    let r = api
        .get(&format!(
            "/contacts/search/duplicate?locationId={loc}&number=%2B14155550177"
        ))
        .await;
    assert_eq!(r.body["contact"]["id"], id.as_str());
    let r = api
        .get(&format!(
            "/contacts/search/duplicate?locationId={loc}&email=D%40X.io"
        ))
        .await;
    assert_eq!(r.body["contact"]["id"], id.as_str());
    let r = api
        .get(&format!(
            "/contacts/search/duplicate?locationId={loc}&email=none%40x.io"
        ))
        .await;
    assert_eq!((r.status, r.body.clone()), (200, json!({"contact": null})));
    let r = api
        .get(&format!("/contacts/search/duplicate?locationId={loc}"))
        .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn notes_tasks_business_and_custom_fields() {
    let (h, api) = start(unlimited()).await;
    let (_, id) = api.upsert(json!({"email": "n@x.io"})).await;
    let r = api
        .post(
            &format!("/contacts/{id}/notes"),
            json!({"body": "Called", "pinned": true}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body["note"]["contactId"], id.as_str());
    let r = api.get(&format!("/contacts/{id}/notes")).await;
    assert_eq!(r.body["notes"].as_array().unwrap().len(), 1);
    let r = api
        .unchecked(
            "POST",
            &format!("/contacts/{id}/notes"),
            json!({"title": "no body"}),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = api
        .post(
            &format!("/contacts/{id}/tasks"),
            json!({"title": "Call back", "dueDate": "2020-10-25T11:00:00Z", "completed": false}),
        )
        .await;
    assert_eq!(r.status, 201);
    let r = api.get(&format!("/contacts/{id}/tasks")).await;
    assert_eq!(r.body["tasks"][0]["title"], "Call back");
    let r = api
        .post(
            "/contacts/bulk/business",
            json!({"locationId": api.location, "ids": [id, "unknown"], "businessId": "Biz1"}),
        )
        .await;
    assert_eq!(
        (r.status, r.body.clone()),
        (200, json!({"success": true, "ids": [id]}))
    );
    assert_eq!(api.stored().await[0]["businessId"], "Biz1");
    h.add_custom_field(
        &api.location,
        ghl_sandbox::CustomFieldDef {
            id: "CfBirthday0000000005".into(),
            name: "Anniversary".into(),
            field_key: "contact.anniversary".into(),
            data_type: "DATE".into(),
            picklist_options: vec![],
            position: 4,
            model: "contact".into(),
            placeholder: String::new(),
        },
    )
    .unwrap();
    let r = api
        .get(&format!(
            "/locations/{}/customFields?model=contact",
            api.location
        ))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["customFields"].as_array().unwrap().len(), 5);
    assert_eq!(r.body["customFields"][0]["fieldKey"], "contact.lead_score");
}

#[tokio::test]
async fn auth_version_scope_and_location() {
    let mut cfg = unlimited();
    cfg.locations
        .push(LocationConfig::new("OtherLocation0000002"));
    cfg.tokens.push(
        TokenConfig::new("read-only", ghl_sandbox::DEFAULT_LOCATION_ID)
            .with_scopes(&["contacts.readonly"]),
    );
    cfg.tokens
        .push(TokenConfig::new("other-loc", "OtherLocation0000002"));
    let (h, api) = start(cfg).await;
    let (_, id) = api.upsert(json!({"email": "a@x.io"})).await;
    let path = format!("/contacts/{id}");
    let r = api.raw("GET", &path, None, &[("Version", "")]).await;
    assert_eq!(
        (r.status, r.body["message"].clone()),
        (401, json!("version header was not found."))
    );
    let r = api
        .raw("GET", &path, None, &[("Version", "2099-01-01")])
        .await;
    assert_eq!(
        (r.status, r.body["message"].clone()),
        (401, json!("version header is invalid"))
    );
    let r = api.with_token("nope").raw("GET", &path, None, &[]).await;
    assert_eq!(
        (r.status, r.body["message"].clone()),
        (401, json!("Invalid JWT"))
    );
    let ro = api.with_token("read-only");
    assert_eq!(ro.get(&path).await.status, 200);
    // Scope is checked before location: a write to another location is 401, not 403.
    let r = ro
        .post(
            "/contacts/upsert",
            json!({"locationId": "OtherLocation0000002", "email": "z@x.io"}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["message"].clone()),
        (401, json!("The token is not authorized for this scope."))
    );
    let r = api
        .post(
            "/contacts/upsert",
            json!({"locationId": "OtherLocation0000002", "email": "z@x.io"}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["message"].clone()),
        (
            403,
            json!("The token does not have access to this location.")
        )
    );
    let r = api.with_token("other-loc").get(&path).await;
    assert_eq!(r.status, 403);
    let r = api
        .get("/locations/OtherLocation0000002/customFields")
        .await;
    assert_eq!(r.status, 403);
    // A token added at run time works at once.
    h.add_token(TokenConfig::new("late", ghl_sandbox::DEFAULT_LOCATION_ID));
    assert_eq!(api.with_token("late").get(&path).await.status, 200);
}

#[tokio::test]
async fn oauth_refresh_rotates_and_minted_token_works() {
    let (_h, api) = start(unlimited()).await;
    let post = |rt: String| {
        let api = api.clone();
        async move {
            let form = [
                ("client_id", ghl_sandbox::DEFAULT_CLIENT_ID),
                ("client_secret", ghl_sandbox::DEFAULT_CLIENT_SECRET),
                ("grant_type", "refresh_token"),
                ("refresh_token", rt.as_str()),
                ("user_type", "Location"),
            ];
            let r = api.form("/oauth/token", &form, Check::Request).await;
            (r.status, r.body)
        }
    };
    let (status, body) = post(ghl_sandbox::DEFAULT_REFRESH_TOKEN.into()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["expires_in"], 86399);
    assert_eq!(body["locationId"], api.location.as_str());
    let access = body["access_token"].as_str().unwrap().to_string();
    let next = body["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(next, ghl_sandbox::DEFAULT_REFRESH_TOKEN);
    let (status, _) = post(ghl_sandbox::DEFAULT_REFRESH_TOKEN.into()).await;
    assert_eq!(status, 401, "a refresh token works once");
    let (status, _) = post(next).await;
    assert_eq!(status, 200, "the rotated one works");
    let r = api
        .with_token(&access)
        .post(
            "/contacts/upsert",
            json!({"locationId": api.location, "email": "o@x.io"}),
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn programmatic_setup_through_the_handle() {
    let mut cfg = Config::empty();
    cfg.rate_limit = ghl_sandbox::RateLimitConfig::off();
    let (h, api) = start(cfg).await;
    let mut loc = LocationConfig::new(ghl_sandbox::DEFAULT_LOCATION_ID);
    loc.contacts
        .push(json!({"email": "pre@x.io", "dateAdded": "2020-01-02T03:04:05.678Z"}));
    h.add_location(loc).unwrap();
    h.add_token(TokenConfig::new(
        ghl_sandbox::DEFAULT_TOKEN,
        ghl_sandbox::DEFAULT_LOCATION_ID,
    ));
    let id = h
        .insert_contact(
            ghl_sandbox::DEFAULT_LOCATION_ID,
            json!({"id": "FixedId0000000000001", "phone": "+14155550000"}),
        )
        .unwrap();
    assert_eq!(id, "FixedId0000000000001");
    assert!(
        h.insert_contact(
            ghl_sandbox::DEFAULT_LOCATION_ID,
            json!({"email": "pre@x.io"})
        )
        .is_err(),
        "duplicate rules apply"
    );
    let all = h.contacts(None);
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["dateAdded"], "2020-01-02T03:04:05.678Z");
    assert_eq!(api.get("/contacts/FixedId0000000000001").await.status, 200);
}

#[tokio::test]
async fn minted_access_tokens_expire_after_the_ttl() {
    let mut cfg = unlimited();
    cfg.access_token_ttl = std::time::Duration::from_millis(1500);
    let (_h, api) = start(cfg).await;
    let form = [
        ("client_id", ghl_sandbox::DEFAULT_CLIENT_ID),
        ("client_secret", ghl_sandbox::DEFAULT_CLIENT_SECRET),
        ("grant_type", "refresh_token"),
        ("refresh_token", ghl_sandbox::DEFAULT_REFRESH_TOKEN),
    ];
    let body = api.form("/oauth/token", &form, Check::Request).await.body;
    assert_eq!(body["expires_in"], 1, "whole seconds");
    let minted = api.with_token(body["access_token"].as_str().unwrap());
    let path = "/contacts/AAAAAAAAAAAAAAAAAAAA";
    assert_eq!(
        minted.get(path).await.status,
        400,
        "valid token, unknown contact"
    );
    // Refused once the TTL has passed (polled, at most a few seconds past it).
    let expiring = &minted;
    eventually(
        "the token's expiry",
        std::time::Duration::from_secs(5),
        || async move {
            let answer = expiring.send("GET", path, None, &[]).await;
            matches!(answer, Ok(r) if r.status == 401)
        },
    )
    .await;
    let r = minted.get(path).await;
    assert_eq!(
        (r.status, r.body["message"].clone()),
        (401, json!("Invalid JWT"))
    );
}
