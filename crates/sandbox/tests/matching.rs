//! Identity matching of create and upsert as ghl-api.md §2.2, §2.3 and §3.2 describe it: the
//! location's match order (primary, optional secondary), phone-only and email-only matches, an
//! email and a phone that point at two contacts, `createNewIfDuplicateAllowed`, and create's
//! duplicate 400 with `meta.contactId`. Every request and answer is checked against the OpenAPI
//! file by the harness (`util::Api::call`).

use crate::util::{start, unlimited, Api};
use ghl_sandbox::MatchField;
use serde_json::{json, Value};

async fn with_order(order: &[MatchField], allow_duplicates: bool) -> (ghl_sandbox::Handle, Api) {
    let mut cfg = unlimited();
    cfg.locations[0].match_order = order.to_vec();
    cfg.locations[0].allow_duplicate_contact = allow_duplicates;
    start(cfg).await
}

async fn create(api: &Api, fields: Value) -> crate::util::Reply {
    let mut body = json!({ "locationId": api.location });
    if let (Some(b), Some(f)) = (body.as_object_mut(), fields.as_object()) {
        b.extend(f.clone());
    }
    api.post("/contacts/", body).await
}

async fn stored(api: &Api, id: &str) -> Value {
    api.stored()
        .await
        .into_iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} is stored"))
}

/// Upserts `body`, which must update a contact already there: that contact's id.
async fn matched(api: &Api, body: Value) -> String {
    let (new, id) = api.upsert(body.clone()).await;
    assert!(!new, "{body} matches an existing contact");
    id
}

/// Email before phone, and phone before email.
const BOTH_ORDERS: [[MatchField; 2]; 2] = [
    [MatchField::Email, MatchField::Phone],
    [MatchField::Phone, MatchField::Email],
];

/// The two contacts a two-field request can hit: one by email, one by phone.
async fn two_contacts(api: &Api) -> (String, String) {
    let (_, by_email) = api
        .upsert(json!({"email": "ada@x.io", "firstName": "Ada"}))
        .await;
    let (_, by_phone) = api
        .upsert(json!({"phone": "+14155550100", "firstName": "Pat"}))
        .await;
    assert_ne!(by_email, by_phone);
    (by_email, by_phone)
}

#[tokio::test]
async fn email_and_phone_on_two_contacts_update_the_first_in_the_match_order() {
    for order in BOTH_ORDERS {
        let (_h, api) = with_order(&order, false).await;
        let (by_email, by_phone) = two_contacts(&api).await;
        let r = api
            .post(
                "/contacts/upsert",
                json!({"locationId": api.location, "email": "ADA@x.io",
                            "phone": "(415) 555-0100", "lastName": "Both"}),
            )
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(r.body["new"], false);
        let (winner, other) = match order[0] {
            MatchField::Email => (&by_email, &by_phone),
            MatchField::Phone => (&by_phone, &by_email),
        };
        assert_eq!(r.body["contact"]["id"], winner.as_str(), "{order:?}");
        let w = stored(&api, winner).await;
        assert_eq!(w["lastName"], "Both");
        // The second field belongs to the other contact: not written, no duplicate made.
        match order[0] {
            MatchField::Email => assert!(w.get("phone").is_none(), "{w}"),
            MatchField::Phone => assert!(w.get("email").is_none(), "{w}"),
        }
        let o = stored(&api, other).await;
        assert!(o.get("lastName").is_none(), "{o}");
        assert_eq!(api.stored().await.len(), 2);
    }
}

#[tokio::test]
async fn phone_only_and_email_only_upserts_find_the_contact_holding_both() {
    let (_h, api) = with_order(&[MatchField::Email, MatchField::Phone], false).await;
    let (_, id) = api
        .upsert(json!({"email": "kim@x.io", "phone": "+14155550111"}))
        .await;
    let by_phone = matched(&api, json!({"phone": "415-555-0111", "firstName": "Kim"})).await;
    assert_eq!(
        by_phone, id,
        "the secondary field matches when the primary is absent"
    );
    let by_email = matched(&api, json!({"email": "Kim@X.io", "lastName": "Lee"})).await;
    assert_eq!(by_email, id, "emails match case-insensitively");
    // A primary that finds nothing leaves the match to the secondary, which then gets the
    // new email written.
    let via_phone = matched(
        &api,
        json!({"email": "kim.lee@x.io", "phone": "+14155550111"}),
    )
    .await;
    assert_eq!(via_phone, id);
    let c = stored(&api, &id).await;
    assert_eq!(
        (
            c["email"].as_str(),
            c["firstName"].as_str(),
            c["lastName"].as_str()
        ),
        (Some("kim.lee@x.io"), Some("Kim"), Some("Lee"))
    );
    assert_eq!(api.stored().await.len(), 1);
}

#[tokio::test]
async fn a_field_outside_the_match_order_does_not_match() {
    // Email alone: a phone is not an identity in this location.
    let (_h, api) = with_order(&[MatchField::Email], false).await;
    let (_, first) = api.upsert(json!({"phone": "+14155550122"})).await;
    let (new, second) = api.upsert(json!({"phone": "+14155550122"})).await;
    assert!(
        new,
        "a phone-only upsert creates when phone is not a match field"
    );
    assert_ne!(first, second);
    let r = create(&api, json!({"phone": "+14155550122"})).await;
    assert_eq!(r.status, 201, "nor is a create refused on it");
    let (new, _) = api.upsert(json!({"email": "one@x.io"})).await;
    assert!(new);
    let r = create(&api, json!({"email": "one@x.io"})).await;
    assert_eq!(r.status, 400, "the primary still refuses duplicates");
}

#[tokio::test]
async fn create_on_a_duplicate_is_a_400_naming_the_first_match_in_the_order() {
    for order in BOTH_ORDERS {
        let (_h, api) = with_order(&order, false).await;
        let (by_email, by_phone) = two_contacts(&api).await;
        let r = create(
            &api,
            json!({"email": "ada@X.IO", "phone": "+1 415 555 0100"}),
        )
        .await;
        assert_eq!(r.status, 400);
        assert_eq!(
            r.body["message"],
            "This location does not allow duplicated contacts."
        );
        let (id, name, field) = match order[0] {
            MatchField::Email => (&by_email, "Ada", "email"),
            MatchField::Phone => (&by_phone, "Pat", "phone"),
        };
        assert_eq!(
            r.body["meta"],
            json!({"contactId": id, "contactName": name, "matchingField": field}),
            "{order:?}"
        );
        let phone_only = create(&api, json!({"phone": "+14155550100"})).await;
        assert_eq!(phone_only.body["meta"]["contactId"], by_phone.as_str());
        let email_only = create(&api, json!({"email": "ada@x.io"})).await;
        assert_eq!(email_only.body["meta"]["contactId"], by_email.as_str());
        assert_eq!(api.stored().await.len(), 2, "nothing was created");
    }
}

#[tokio::test]
async fn create_new_if_duplicate_allowed_only_where_duplicates_are_allowed() {
    let flagged = json!({"email": "dup@x.io", "createNewIfDuplicateAllowed": true});
    let (_h, api) = with_order(&[MatchField::Email, MatchField::Phone], false).await;
    let (_, id) = api.upsert(json!({"email": "dup@x.io"})).await;
    let (new, again) = api.upsert(flagged.clone()).await;
    assert!(!new, "ignored when the location refuses duplicates");
    assert_eq!(again, id);

    let (_h, api) = with_order(&[MatchField::Email, MatchField::Phone], true).await;
    let (_, first) = api.upsert(json!({"email": "dup@x.io"})).await;
    let (new, second) = api.upsert(flagged).await;
    assert!(new, "always a new contact, no look-up");
    assert_ne!(first, second);
    let r = create(&api, json!({"email": "dup@x.io"})).await;
    assert_eq!(
        r.status, 201,
        "create never refuses where duplicates are allowed"
    );
    let updated = matched(&api, json!({"email": "dup@x.io", "firstName": "Old"})).await;
    assert_eq!(
        updated, first,
        "without the flag the oldest match is updated"
    );
}
