//! The stored form of a plain contact written field by field, without serde: the standard
//! fields, its id, tags and business, none of whose text JSON would escape (nearly every row
//! of a file). Same bytes as [`super::encode_serialize`] (issue 20: serde's flattened
//! `StdFields` and its string escaping were 8 % of a `validate` run's instructions); any other
//! contact is left to it (`None`).

use super::{put_varint, EMAIL_COLUMN, FORMAT, PHONE_COLUMN};
use crate::contact::{Contact, StdField};

/// Places in [`super::KEYS`] of the members written here besides the standard fields (whose
/// place is one past their `StdField` index).
const ID: u8 = 0;
const TAGS: u8 = 20;
const BUSINESS_ID: u8 = 24;

/// The stored form of `contact` for a row whose identity columns are `email` and `phone`, when
/// it is plain (see the module); `None` otherwise.
pub(super) fn encode_contact(
    contact: &Contact,
    email: Option<&str>,
    phone: Option<&str>,
) -> Option<Vec<u8>> {
    let nested = !contact.custom_fields.is_empty()
        || !contact.notes.is_empty()
        || !contact.tags_remove.is_empty()
        || contact.task.is_some();
    if nested {
        return None;
    }
    let mut out = Vec::with_capacity(192);
    out.push(FORMAT);
    if let Some(id) = &contact.id {
        string_member(&mut out, ID, id)?;
    }
    // Serde's order: the fields as `StdFields` declares them, which is `StdField::ALL`'s.
    for field in StdField::ALL {
        let key = field as u8 + 1;
        if field == StdField::Dnd {
            if let Some(dnd) = contact.std.dnd {
                let text: &[u8] = if dnd { b"true" } else { b"false" };
                out.push(key);
                put_varint(&mut out, (text.len() as u64) << 1);
                out.extend_from_slice(text);
            }
            continue;
        }
        let Some(value) = contact.std.get(field) else {
            continue;
        };
        if !plain(value) {
            return None;
        }
        let column = match field {
            StdField::Email if email == Some(value) => Some(EMAIL_COLUMN),
            StdField::Phone if phone == Some(value) => Some(PHONE_COLUMN),
            _ => None,
        };
        match column {
            Some(byte) => out.push(byte),
            None => text_member(&mut out, key, value),
        }
    }
    if !contact.tags.is_empty() {
        if !contact.tags.iter().all(|t| plain(t)) {
            return None;
        }
        // `["a","b"]`: two quotes per tag, commas between, the brackets.
        let len: usize = contact.tags.iter().map(|t| t.len() + 3).sum::<usize>() + 1;
        out.push(TAGS);
        put_varint(&mut out, (len as u64) << 1);
        out.push(b'[');
        for (i, tag) in contact.tags.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.push(b'"');
            out.extend_from_slice(tag.as_bytes());
            out.push(b'"');
        }
        out.push(b']');
    }
    if let Some(business) = &contact.business_id {
        string_member(&mut out, BUSINESS_ID, business)?;
    }
    Some(out)
}

/// A string member, `None` unless its text is plain.
fn string_member(out: &mut Vec<u8>, key: u8, value: &str) -> Option<()> {
    plain(value).then(|| text_member(out, key, value))
}

/// A member whose text is known to be plain: its key byte, then its text as JSON writes it
/// without the quotes (the text itself).
fn text_member(out: &mut Vec<u8>, key: u8, value: &str) {
    out.push(key);
    put_varint(out, (value.len() as u64) << 1 | 1);
    out.extend_from_slice(value.as_bytes());
}

/// Whether JSON writes `text` as it is: serde_json escapes only `"`, `\` and the bytes below
/// 0x20.
fn plain(text: &str) -> bool {
    // One table load per byte (the comparisons were most of this encoder's instructions).
    text.bytes().all(|b| !ESCAPED[usize::from(b)])
}

/// The bytes [`plain`] looks for.
static ESCAPED: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::{encode_serialize, KEYS};
    use super::*;
    use crate::contact::{CustomValue, StdFields};

    #[test]
    fn the_key_places_are_those_of_keys() {
        assert_eq!(KEYS[usize::from(ID)], "id");
        assert_eq!(KEYS[usize::from(TAGS)], "tags");
        assert_eq!(KEYS[usize::from(BUSINESS_ID)], "businessId");
        for field in StdField::ALL {
            assert_eq!(KEYS[field as usize + 1], field.name());
        }
    }

    /// Text, plain mostly, now and then with what JSON escapes, long past a one-byte varint.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            6 => "[a-zA-Z0-9 .@+'é-]{0,12}",
            1 => ".{0,6}",
            1 => "[\"\\\\\u{1}\n a]{1,4}",
            1 => "[a-z ]{60,80}",
        ]
    }

    fn contact() -> impl Strategy<Value = (Contact, bool)> {
        (
            prop::collection::vec(prop::option::of(text()), 17),
            prop::option::of(any::<bool>()),
            prop::option::of(text()),
            prop::collection::vec(text(), 0..4),
            prop::option::of(text()),
            prop::sample::select(vec![0u8, 0, 0, 1, 2]),
            any::<bool>(),
        )
            .prop_map(|(texts, dnd, id, tags, business, nested, same)| {
                let mut std = StdFields {
                    dnd,
                    ..StdFields::default()
                };
                let mut texts = texts.into_iter();
                for field in StdField::ALL {
                    if let Some(slot) = std.text_mut(field) {
                        *slot = texts.next().flatten();
                    }
                }
                let mut c = Contact {
                    id,
                    std,
                    tags,
                    business_id: business,
                    ..Contact::default()
                };
                match nested {
                    1 => c.custom_fields.push(CustomValue {
                        index: 0,
                        value: "v".into(),
                    }),
                    2 => c.notes.push("n".into()),
                    _ => {}
                }
                (c, same)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// Where it answers, the bytes are `encode_serialize`'s; and it answers for every
        /// plain contact.
        #[test]
        fn a_plain_contact_is_stored_as_serde_stores_it((c, same) in contact()) {
            let (email, phone) = if same {
                (c.std.email.clone(), c.std.phone.clone())
            } else {
                (Some("other@example.org".to_string()), None)
            };
            let (e, p) = (email.as_deref(), phone.as_deref());
            let fast = encode_contact(&c, e, p);
            if let Some(fast) = &fast {
                prop_assert_eq!(Some(fast.clone()), encode_serialize(&c, e, p));
            }
            let texts = StdField::ALL.into_iter().filter_map(|f| c.std.get(f));
            let is_plain = c.custom_fields.is_empty()
                && c.notes.is_empty()
                && texts
                    .chain(c.id.as_deref())
                    .chain(c.business_id.as_deref())
                    .chain(c.tags.iter().map(String::as_str))
                    .all(plain);
            prop_assert_eq!(fast.is_some(), is_plain);
        }
    }
}
