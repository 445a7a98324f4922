//! What the delta compares: a row's identity keys and a hash of a canonical form of its
//! payload, covering everything delivery would send (fields, custom fields, tags, notes, task,
//! and any key a later payload gains), independent of JSON key order and of tag order; and a
//! second hash of the contact's part alone (the same form without notes and task), so that a
//! row whose only change is its task or a note is sent without its contact.

use crate::mapping::{CustomRef, Mapping};
use serde_json::{Map, Value};

/// Version of the canonical form. Changing the form without bumping it would compare new
/// hashes with old ones and send rows again (harmless); bumping it says so on purpose.
const SCHEME: &[u8] = b"ghl-bulk delta payload v1";

/// The contact part's scheme: another label, so that the two hashes never coincide.
const CONTACT_SCHEME: &[u8] = b"ghl-bulk delta contact v1";

/// Payload keys that are not the contact: delivery sends them to their own endpoints after the
/// contact exists, and remembers them per contact (`state::Followup`).
const FOLLOWUP_KEYS: [&str; 2] = ["notes", "task"];

/// Hashes payloads for one mapping.
#[derive(Debug, Clone)]
pub struct PayloadHasher {
    /// The custom field each payload index stands for: a payload keeps only the index, and the
    /// same value sent to another field is another payload.
    refs: Vec<String>,
    /// What delivery does beyond the payload (mode, options), hashed with every payload.
    context: String,
}

impl PayloadHasher {
    /// A hasher for payloads staged with `mapping`, delivered the way `context` describes.
    pub fn new(mapping: &Mapping, context: &str) -> PayloadHasher {
        let refs = mapping
            .custom_refs
            .iter()
            .map(|r| match r {
                CustomRef::Key(key) => format!("key:{key}"),
                CustomRef::Id(id) => format!("id:{id}"),
            })
            .collect();
        PayloadHasher {
            refs,
            context: context.to_string(),
        }
    }

    /// 128 bits of blake3 over the canonical form, hex: ample to tell payloads apart, and
    /// half the store's size of a full digest.
    pub fn hash(&self, payload: &Value) -> String {
        self.digest(SCHEME, payload, |_| true)
    }

    /// The hash of the contact's part of a payload: everything but its notes and task.
    pub fn hash_contact(&self, payload: &Value) -> String {
        self.digest(CONTACT_SCHEME, payload, |key| !FOLLOWUP_KEYS.contains(&key))
    }

    fn digest(&self, scheme: &[u8], payload: &Value, keep: impl Fn(&str) -> bool) -> String {
        let mut h = blake3::Hasher::new();
        h.update(scheme);
        put_str(&mut h, &self.context);
        match payload {
            Value::Object(map) => self.put_payload(&mut h, map, keep),
            other => put_value(&mut h, other),
        }
        let digest = h.finalize();
        digest.to_hex()[..32].to_string()
    }

    fn put_payload(
        &self,
        h: &mut blake3::Hasher,
        map: &Map<String, Value>,
        keep: impl Fn(&str) -> bool,
    ) {
        let mut keys: Vec<&String> = map.keys().filter(|k| keep(k)).collect();
        keys.sort();
        h.update(b"{");
        put_len(h, keys.len());
        for key in keys {
            let value = &map[key];
            put_str(h, key);
            match (key.as_str(), value) {
                // Tags are a set: HighLevel keeps no order, and delivery only adds them.
                ("tags", Value::Array(tags)) => {
                    let mut tags: Vec<String> = tags
                        .iter()
                        .map(|t| match t {
                            Value::String(s) => s.to_lowercase(),
                            other => other.to_string(),
                        })
                        .collect();
                    tags.sort();
                    tags.dedup();
                    h.update(b"S");
                    put_len(h, tags.len());
                    for tag in &tags {
                        put_str(h, tag);
                    }
                }
                ("customFields", Value::Array(values)) => self.put_custom(h, values),
                _ => put_value(h, value),
            }
        }
    }

    /// Custom fields as (field, value) pairs in field order, whatever the payload's order.
    fn put_custom(&self, h: &mut blake3::Hasher, values: &[Value]) {
        let mut pairs: Vec<(String, &Value)> = values
            .iter()
            .map(|cf| {
                let field = match cf["i"].as_u64() {
                    Some(i) => self
                        .refs
                        .get(i as usize)
                        .cloned()
                        .unwrap_or_else(|| format!("index:{i}")),
                    None => format!("raw:{cf}"),
                };
                (field, &cf["v"])
            })
            .collect();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        h.update(b"C");
        put_len(h, pairs.len());
        for (field, value) in pairs {
            put_str(h, &field);
            put_value(h, value);
        }
    }
}

/// The row's identity keys as the store knows them: `email:<normalised email>` and
/// `phone:<E.164>`, for those the payload has.
pub fn identity_keys(payload: &Value) -> Vec<String> {
    let mut keys = Vec::with_capacity(2);
    if let Some(email) = payload["email"].as_str().map(str::trim) {
        if !email.is_empty() {
            keys.push(format!("email:{}", email.to_lowercase()));
        }
    }
    if let Some(phone) = payload["phone"].as_str().map(str::trim) {
        if !phone.is_empty() {
            keys.push(format!("phone:{phone}"));
        }
    }
    keys
}

/// A self-delimiting encoding (type tag, lengths) so that no two different values feed the
/// hasher the same bytes: `["a","b"]` and `["ab"]` differ, as do `"1"` and `1`.
fn put_value(h: &mut blake3::Hasher, value: &Value) {
    match value {
        Value::Null => {
            h.update(b"n");
        }
        Value::Bool(b) => {
            h.update(if *b { b"t" } else { b"f" });
        }
        Value::Number(n) => {
            h.update(b"#");
            put_str(h, &n.to_string());
        }
        Value::String(s) => {
            h.update(b"s");
            put_str(h, s);
        }
        Value::Array(items) => {
            h.update(b"[");
            put_len(h, items.len());
            for item in items {
                put_value(h, item);
            }
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            h.update(b"{");
            put_len(h, keys.len());
            for key in keys {
                put_str(h, key);
                put_value(h, &map[key]);
            }
        }
    }
}

fn put_str(h: &mut blake3::Hasher, s: &str) {
    put_len(h, s.len());
    h.update(s.as_bytes());
}

fn put_len(h: &mut blake3::Hasher, n: usize) {
    h.update(&(n as u64).to_le_bytes());
}
