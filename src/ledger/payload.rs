//! The staged payload's storage form: the contact's JSON object with its keys as one byte
//! each and its email and phone, when they equal the row's identity columns, as a reference
//! to them (stored once, not twice). Decoding gives back the JSON text byte for byte, by
//! concatenation (no parse), so the payload is still parsed once per process, by its reader.
//! A payload from before this form (JSON text, `{…}`), or one this encoder does not take
//! apart, is stored as it is and read back as it is.
//!
//! Layout: [`FORMAT`], then per member a key byte (an index into [`KEYS`], [`EMAIL_COLUMN`],
//! [`PHONE_COLUMN`], or [`OTHER_KEY`] followed by a varint length and the key's JSON text
//! without its quotes), then (not for the column references) a varint `len << 1 | string`
//! and `len` bytes: a string's JSON text without its quotes, any other value's JSON text.

mod direct;
mod plain;

/// First byte of an encoded payload: a JSON text never starts with it.
const FORMAT: u8 = 0x01;
/// `"email":"<the row's email column>"`.
const EMAIL_COLUMN: u8 = 0xF0;
/// `"phone":"<the row's phone column>"`.
const PHONE_COLUMN: u8 = 0xF1;
/// A key not in [`KEYS`], spelled out.
const OTHER_KEY: u8 = 0xFF;

/// The keys a staged contact has (the DTO's standard fields and `Contact`'s own), one byte
/// each. Append only: a stored payload names its keys by their place in this list.
const KEYS: &[&str] = &[
    "id",
    "firstName",
    "lastName",
    "name",
    "email",
    "phone",
    "gender",
    "address1",
    "city",
    "state",
    "postalCode",
    "website",
    "timezone",
    "dnd",
    "source",
    "dateOfBirth",
    "country",
    "companyName",
    "assignedTo",
    "customFields",
    "tags",
    "notes",
    "tagsRemove",
    "task",
    "businessId",
];

/// Why a stored payload cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// The bytes end early or name a key this build does not know.
    #[error("the stored payload is damaged (byte {0})")]
    Damaged(usize),
    /// It refers to the row's email or phone, and the row has none.
    #[error("the stored payload refers to the row's {0}, which is empty")]
    NoColumn(&'static str),
}

/// The storage form of `json` for a row whose identity columns are `email` and `phone`.
pub fn encode(json: &str, email: Option<&str>, phone: Option<&str>) -> Vec<u8> {
    encode_members(json.as_bytes(), email, phone).unwrap_or_else(|| json.as_bytes().to_vec())
}

/// [`encode_serialize`] of a contact: written field by field when it is plain (see [`plain`]),
/// else through serde.
pub fn encode_contact(
    contact: &crate::contact::Contact,
    email: Option<&str>,
    phone: Option<&str>,
) -> Option<Vec<u8>> {
    plain::encode_contact(contact, email, phone).or_else(|| encode_serialize(contact, email, phone))
}

/// [`encode`] of `value`'s JSON text, made without that text (straight from the value, see
/// [`direct`]); `None` when `value` does not serialise.
pub fn encode_serialize<T: serde::Serialize + ?Sized>(
    value: &T,
    email: Option<&str>,
    phone: Option<&str>,
) -> Option<Vec<u8>> {
    match direct::encode_value(value, email, phone) {
        Some(stored) => Some(stored),
        None => Some(encode(&serde_json::to_string(value).ok()?, email, phone)),
    }
}

fn encode_members(json: &[u8], email: Option<&str>, phone: Option<&str>) -> Option<Vec<u8>> {
    let body = json.strip_prefix(b"{")?.strip_suffix(b"}")?;
    let mut out = Vec::with_capacity(json.len() / 2);
    out.push(FORMAT);
    let mut pos = 0;
    while pos < body.len() {
        if pos > 0 {
            if body[pos] != b',' || pos + 1 == body.len() {
                return None;
            }
            pos += 1;
        }
        let key_end = string_end(body, pos)?;
        let key = &body[pos + 1..key_end - 1];
        pos = key_end;
        if body.get(pos) != Some(&b':') {
            return None;
        }
        pos += 1;
        let value_end = value_end(body, pos)?;
        let value = &body[pos..value_end];
        pos = value_end;
        let inner = (value.len() >= 2 && value[0] == b'"').then(|| &value[1..value.len() - 1]);
        match (key, inner) {
            (b"email", Some(v)) if email.map(str::as_bytes) == Some(v) => {
                out.push(EMAIL_COLUMN);
                continue;
            }
            (b"phone", Some(v)) if phone.map(str::as_bytes) == Some(v) => {
                out.push(PHONE_COLUMN);
                continue;
            }
            _ => {}
        }
        match KEYS.iter().position(|k| k.as_bytes() == key) {
            Some(i) => out.push(i as u8),
            None => {
                out.push(OTHER_KEY);
                put_varint(&mut out, key.len() as u64);
                out.extend_from_slice(key);
            }
        }
        let (bytes, string) = match inner {
            Some(v) => (v, 1),
            None => (value, 0),
        };
        put_varint(&mut out, (bytes.len() as u64) << 1 | string);
        out.extend_from_slice(bytes);
    }
    Some(out)
}

/// The JSON text of a stored payload.
pub fn decode(
    stored: &[u8],
    email: Option<&str>,
    phone: Option<&str>,
) -> Result<String, PayloadError> {
    let Some(mut rest) = stored.strip_prefix(&[FORMAT]) else {
        return String::from_utf8(stored.to_vec()).map_err(|_| PayloadError::Damaged(0));
    };
    let damaged = |rest: &[u8]| PayloadError::Damaged(stored.len() - rest.len());
    let mut out = Vec::with_capacity(stored.len() * 2 + 64);
    out.push(b'{');
    while let Some((&key, after)) = rest.split_first() {
        rest = after;
        if out.len() > 1 {
            out.push(b',');
        }
        let column = match key {
            EMAIL_COLUMN => Some(("email", email)),
            PHONE_COLUMN => Some(("phone", phone)),
            _ => None,
        };
        if let Some((name, value)) = column {
            let value = value.ok_or(PayloadError::NoColumn(name))?;
            out.push(b'"');
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\":\"");
            out.extend_from_slice(value.as_bytes());
            out.push(b'"');
            continue;
        }
        out.push(b'"');
        if key == OTHER_KEY {
            let (name, after) = take(rest).ok_or_else(|| damaged(rest))?;
            out.extend_from_slice(name);
            rest = after;
        } else {
            let name = KEYS.get(key as usize).ok_or_else(|| damaged(rest))?;
            out.extend_from_slice(name.as_bytes());
        }
        out.extend_from_slice(b"\":");
        let (head, after) = varint(rest).ok_or_else(|| damaged(rest))?;
        let len = usize::try_from(head >> 1).map_err(|_| damaged(rest))?;
        let value = after.get(..len).ok_or_else(|| damaged(rest))?;
        if head & 1 == 1 {
            out.push(b'"');
            out.extend_from_slice(value);
            out.push(b'"');
        } else {
            out.extend_from_slice(value);
        }
        rest = &after[len..];
    }
    out.push(b'}');
    String::from_utf8(out).map_err(|_| PayloadError::Damaged(0))
}

/// A varint-prefixed byte string and what follows it.
fn take(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (len, rest) = varint(bytes)?;
    let len = usize::try_from(len).ok()?;
    Some((rest.get(..len)?, rest.get(len..)?))
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut n = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        n |= u64::from(b & 0x7F) << (7 * i);
        if b < 0x80 {
            return Some((n, &bytes[i + 1..]));
        }
    }
    None
}

/// The index just past the JSON string starting at `start`.
fn string_end(s: &[u8], start: usize) -> Option<usize> {
    if s.get(start) != Some(&b'"') {
        return None;
    }
    let mut i = start + 1;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// The index just past the JSON value starting at `start` (compact JSON, as serde writes it).
fn value_end(s: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i < s.len() {
        match s[i] {
            b'"' => {
                i = string_end(s, i)?;
                if depth == 0 {
                    return Some(i);
                }
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b',' if depth == 0 => return (i > start).then_some(i),
            b' ' | b'\t' | b'\n' | b'\r' => return None,
            _ => {}
        }
        i += 1;
    }
    (depth == 0 && i > start).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CONTACT: &str = r#"{"firstName":"Ivy","lastName":"Keating","email":"ivy.keating.0@example.org","phone":"+16152000000","address1":"9313 Highland Ave","city":"Nashville","state":"TN","postalCode":"37203","dateOfBirth":"1958-12-28","country":"US","companyName":"Willow Creek Weddings","tags":["expo 2024","prospect"]}"#;

    #[test]
    fn a_contact_is_stored_in_less_than_half_and_read_back_byte_for_byte() {
        let email = Some("ivy.keating.0@example.org");
        let phone = Some("+16152000000");
        let stored = encode(CONTACT, email, phone);
        assert!(stored.len() * 2 < CONTACT.len(), "{} bytes", stored.len());
        assert_eq!(decode(&stored, email, phone).unwrap(), CONTACT);
        // The email and phone are the columns' own: without them the payload is damaged.
        assert!(matches!(
            decode(&stored, None, phone),
            Err(PayloadError::NoColumn("email"))
        ));
    }

    #[test]
    fn an_email_other_than_the_column_is_stored_in_full() {
        let stored = encode(CONTACT, Some("other@example.org"), None);
        assert_eq!(decode(&stored, None, None).unwrap(), CONTACT);
    }

    #[test]
    fn json_text_from_before_is_read_as_it_is() {
        assert_eq!(decode(CONTACT.as_bytes(), None, None).unwrap(), CONTACT);
        for odd in ["{}", "[]", "{ \"a\": 1 }", "null", "{\"a\":}", "{\"a\":1,}"] {
            assert_eq!(decode(&encode(odd, None, None), None, None).unwrap(), odd);
        }
    }

    #[test]
    fn damaged_bytes_are_an_error_not_a_panic() {
        let stored = encode(CONTACT, None, None);
        for cut in 1..stored.len() {
            let _ = decode(&stored[..cut], None, None);
        }
        assert!(decode(&[FORMAT, 200], None, None).is_err());
    }

    /// Any JSON value a payload member may hold (floats and strings long enough to need a
    /// varint of two bytes included); `direct`'s tests use it too.
    pub(super) fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(serde_json::Value::from),
            ".{0,80}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                prop::collection::btree_map(".{0,6}", inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_object_reads_back_byte_for_byte(
            members in prop::collection::btree_map(
                prop_oneof![Just("email".to_string()), Just("phone".to_string()),
                    Just("tags".to_string()), ".{0,8}"],
                json_value(),
                0..6,
            ),
            same in any::<bool>(),
        ) {
            let object = serde_json::Value::Object(members.into_iter().collect());
            let json = object.to_string();
            let column = |key: &str| object[key].as_str().filter(|_| same).map(str::to_string);
            let (email, phone) = (column("email"), column("phone"));
            let stored = encode(&json, email.as_deref(), phone.as_deref());
            prop_assert_eq!(decode(&stored, email.as_deref(), phone.as_deref()).unwrap(), json);
        }
    }
}
