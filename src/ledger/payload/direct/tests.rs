//! Tests of `direct`.

use super::super::{decode, encode, encode_serialize, KEYS};
use super::key_index;
use crate::contact::{Contact, CustomValue, TaskPayload};
use crate::ledger::payload::tests::json_value;
use proptest::prelude::*;

/// Today's encoding: the JSON text, then `encode`'s re-scan of it.
fn via_text<T: serde::Serialize>(value: &T, email: Option<&str>, phone: Option<&str>) -> Vec<u8> {
    encode(&serde_json::to_string(value).unwrap(), email, phone)
}

fn contact(n: usize) -> Contact {
    let mut c = Contact::default();
    c.std.first_name = Some(format!("Ivy {n}"));
    c.std.last_name = Some("O\"Keating\\ \u{1} é 🙂".to_string());
    c.std.email = Some(format!("ivy.keating.{n}@example.org"));
    c.std.phone = Some(format!("+1615200{n:04}"));
    c.std.address1 =
        Some("9313 Highland Ave, a long line that takes more than sixty-four bytes".into());
    c.std.dnd = Some(n.is_multiple_of(2));
    c.std.company_name = Some("x".repeat(n * 40));
    c.custom_fields = vec![CustomValue {
        index: n,
        value: "v\n".into(),
    }];
    c.tags = vec!["expo 2024".into(), "prospect".into()];
    c.notes = (0..n % 3).map(|i| format!("note {i}")).collect();
    c.task = (n % 2 == 1).then(|| TaskPayload {
        title: "Call".into(),
        body: None,
        due_date: "2026-01-01T00:00:00Z".into(),
        completed: false,
        assigned_to: Some("u1".into()),
    });
    c.id = (n.is_multiple_of(3)).then(|| "abc".into());
    c
}

#[test]
fn every_key_is_found_at_its_place() {
    for (i, key) in KEYS.iter().enumerate() {
        assert_eq!(key_index(key.as_bytes()), Some(i as u8), "{key}");
    }
    assert_eq!(key_index(b"Email"), None);
    assert_eq!(key_index(b""), None);
}

#[test]
fn a_contact_is_stored_byte_for_byte_as_from_its_json_text() {
    for n in 0..12 {
        let c = contact(n);
        let (email, phone) = (c.std.email.clone(), c.std.phone.clone());
        for (e, p) in [
            (email.as_deref(), phone.as_deref()),
            (None, None),
            (Some("other@example.org"), phone.as_deref()),
        ] {
            let stored = encode_serialize(&c, e, p).unwrap();
            assert_eq!(stored, via_text(&c, e, p), "contact {n}");
            let back = decode(&stored, e, p).unwrap();
            assert_eq!(back, serde_json::to_string(&c).unwrap());
        }
    }
    assert_eq!(
        encode_serialize(&Contact::default(), None, None).unwrap(),
        [super::FORMAT]
    );
}

#[test]
fn what_is_not_an_object_is_stored_as_its_text() {
    for v in [
        serde_json::json!([1, 2]),
        serde_json::json!("a"),
        serde_json::json!(null),
    ] {
        assert_eq!(
            encode_serialize(&v, None, None).unwrap(),
            via_text(&v, None, None)
        );
    }
}

proptest! {
    #[test]
    fn any_value_is_stored_as_from_its_json_text(
        members in prop::collection::btree_map(
            prop_oneof![Just("email".to_string()), Just("phone".to_string()),
                Just("tags".to_string()), ".{0,8}", ".{60,140}"],
            json_value(),
            0..6,
        ),
        same in any::<bool>(),
        bare in json_value(),
    ) {
        let object = serde_json::Value::Object(members.into_iter().collect());
        let column = |key: &str| object[key].as_str().filter(|_| same).map(str::to_string);
        let (email, phone) = (column("email"), column("phone"));
        let (e, p) = (email.as_deref(), phone.as_deref());
        prop_assert_eq!(encode_serialize(&object, e, p).unwrap(), via_text(&object, e, p));
        prop_assert_eq!(encode_serialize(&bare, e, p).unwrap(), via_text(&bare, e, p));
    }
}
