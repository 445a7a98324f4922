use super::*;
use crate::api::models::CustomFieldOutput;
use proptest::prelude::*;
use serde_json::json;

fn plan(std: StdFields, tags: &[&str]) -> RowPlan {
    RowPlan {
        row: 1,
        contact_id: None,
        fields: ContactFields {
            std,
            tags: None,
            custom_fields: None,
        },
        tags: tags.iter().map(|t| t.to_string()).collect(),
        notes: vec![],
        tags_remove: vec![],
        task: None,
        business_id: None,
        warnings: vec![],
    }
}

fn owen() -> Contact {
    Contact {
        id: "owen0000000000000001".into(),
        std: StdFields {
            first_name: Some("Owen".into()),
            last_name: Some("Kowalczyk".into()),
            email: Some("owen.kowalczyk@example.pl".into()),
            phone: Some("+49301234567".into()),
            company_name: Some("Kowalczyk GmbH".into()),
            ..StdFields::default()
        },
        tags: vec!["customer".into()],
        date_updated: Some("2026-01-01T00:00:00.000Z".into()),
        ..Contact::default()
    }
}

fn anna() -> StdFields {
    StdFields {
        first_name: Some("Anna".into()),
        last_name: Some("Mueller".into()),
        email: Some("anna.mueller@example.de".into()),
        phone: Some("+49301234567".into()),
        ..StdFields::default()
    }
}

#[test]
fn a_new_person_with_an_existing_contacts_phone_is_a_conflict_naming_it() {
    let owen = owen();
    let d = decide(&plan(anna(), &[]), None, Some(&owen));
    assert_eq!(d.action, Action::Conflict);
    assert_eq!(d.contact_id.as_deref(), Some(owen.id.as_str()));
    let reason = d.reason.unwrap();
    assert!(reason.contains("Owen Kowalczyk"), "{reason}");
    assert!(reason.contains(&owen.id), "{reason}");
}

#[test]
fn email_and_phone_on_two_contacts_is_a_conflict_naming_both() {
    let owen = owen();
    let mut other = owen.clone();
    other.id = "anna0000000000000002".into();
    other.std.first_name = Some("Anna".into());
    other.std.email = Some("anna.mueller@example.de".into());
    other.std.phone = None;
    let d = decide(&plan(anna(), &[]), Some(&other), Some(&owen));
    assert_eq!(d.action, Action::Conflict);
    assert_eq!(d.others, vec![other.id.clone(), owen.id.clone()]);
}

#[test]
fn a_contact_without_the_other_identity_is_updated_with_it() {
    let mut owen = owen();
    owen.std.email = None;
    let d = decide(&plan(anna(), &[]), None, Some(&owen));
    assert_eq!(d.action, Action::Update);
    let fields: Vec<&str> = d.changes.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["firstName", "lastName", "email"]);
}

#[test]
fn only_differing_fields_are_sent_and_tags_only_added() {
    let owen = owen();
    let mut std = owen.std.clone();
    std.city = Some("Berlin".into());
    std.email = Some("OWEN.kowalczyk@example.pl".into());
    let mut p = plan(std, &["customer", "vip"]);
    p.fields.custom_fields = Some(vec![
        CustomFieldInput {
            id: "cf1".into(),
            field_value: json!(5),
        },
        CustomFieldInput {
            id: "cf2".into(),
            field_value: json!("x"),
        },
    ]);
    let mut server = owen.clone();
    server.custom_fields = vec![CustomFieldOutput {
        id: "cf1".into(),
        value: json!("5"),
    }];
    let body = update_body(&p, &server);
    let sent = serde_json::to_value(&body).unwrap();
    assert_eq!(
        sent,
        json!({"city": "Berlin", "customFields": [{"id": "cf2", "field_value": "x"}]})
    );
    assert_eq!(missing_tags(&p, &server), ["vip"]);
    let d = decide(&p, Some(&server), Some(&server));
    assert_eq!(d.action, Action::Update);
    let tags = d.changes.iter().find(|c| c.field == "tags").unwrap();
    assert_eq!(tags.after, "+vip");
}

#[test]
fn the_server_copy_equal_to_the_row_is_unchanged() {
    let mut server = owen();
    server.std.date_of_birth = Some("1980-02-03T00:00:00.000Z".into());
    server.tags = vec!["Customer".into(), "other".into()];
    let mut std = owen().std;
    std.date_of_birth = Some("1980-02-03".into());
    std.gender = Some("male".into());
    std.name = Some("Owen Kowalczyk".into());
    let d = decide(&plan(std, &["customer"]), Some(&server), Some(&server));
    assert_eq!(d.action, Action::Unchanged, "{:?}", d.changes);
    assert_eq!(d.date_updated, server.date_updated);
}

#[test]
fn no_match_is_a_create_listing_every_field() {
    let d = decide(&plan(anna(), &["new"]), None, None);
    assert_eq!(d.action, Action::Create);
    assert_eq!(d.contact_id, None);
    assert_eq!(d.changes.len(), 5);
}

fn arb_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(
        proptest::sample::select(vec!["a", "b", "B", " c "]).prop_map(String::from),
    )
}

fn arb_std() -> impl Strategy<Value = StdFields> {
    (
        arb_text(),
        arb_text(),
        arb_text(),
        arb_text(),
        proptest::option::of(any::<bool>()),
        proptest::option::of(proptest::sample::select(vec!["x@e.co", "y@e.co"])),
        proptest::option::of(proptest::sample::select(vec!["+15550001", "+15550002"])),
    )
        .prop_map(
            |(first, last, city, company, dnd, email, phone)| StdFields {
                first_name: first,
                last_name: last,
                city,
                company_name: company,
                dnd,
                email: email.map(String::from),
                phone: phone.map(String::from),
                ..StdFields::default()
            },
        )
}

fn arb_tags() -> impl Strategy<Value = Vec<String>> {
    proptest::sample::subsequence(vec!["t1", "t2", "t3"], 0..=3)
        .prop_map(|v| v.into_iter().map(String::from).collect())
}

proptest! {
    /// After applying an update's body and its missing tags, the row is unchanged against the
    /// contact; the body never holds a field the contact already had; no tag is ever removed.
    #[test]
    fn an_update_applied_leaves_the_row_unchanged(
        row in arb_std(), server in arb_std(), row_tags in arb_tags(), server_tags in arb_tags(),
    ) {
        let p = plan(row, &row_tags.iter().map(String::as_str).collect::<Vec<_>>());
        let mut contact = Contact { id: "c".into(), std: server, tags: server_tags.clone(), ..Contact::default() };
        let body = update_body(&p, &contact);
        for field in StdField::ALL {
            if let (Some(sent), Some(kept)) = (body.std.get(field), contact.std.get(field)) {
                prop_assert!(!same(field, sent, kept), "{field:?} sent although equal");
            }
        }
        let missing = missing_tags(&p, &contact);
        contact.std.fill_from(StdFields::default());
        let mut applied = body.std.clone();
        applied.fill_from(contact.std.clone());
        contact.std = applied;
        contact.tags.extend(missing);
        for tag in &server_tags {
            prop_assert!(contact.tags.contains(tag));
        }
        prop_assert!(changes(&p, &contact).is_empty(), "{:?}", changes(&p, &contact));
    }

    /// Two different contacts behind one row's identities are always a conflict; a row that
    /// matches nothing is always a create.
    #[test]
    fn two_contacts_conflict_and_none_creates(row in arb_std(), a in arb_std(), b in arb_std()) {
        let p = plan(row, &[]);
        let a = Contact { id: "a".into(), std: a, ..Contact::default() };
        let b = Contact { id: "b".into(), std: b, ..Contact::default() };
        prop_assert_eq!(decide(&p, Some(&a), Some(&b)).action, Action::Conflict);
        prop_assert_eq!(decide(&p, None, None).action, Action::Create);
        let one = decide(&p, Some(&a), Some(&a)).action;
        prop_assert!(one != Action::Create);
    }
}
