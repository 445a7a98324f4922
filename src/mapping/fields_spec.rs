//! `[fields]` of a mapping file: an entry per standard field, keyed by the field's DTO name, plus
//! `id`. Read by hand from [`StdField::ALL`] rather than derived from a struct that lists the
//! fields again; an unknown key is refused with serde's own message and position, as the
//! derived `deny_unknown_fields` tables around it do.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::spec::{FieldSpec, FieldTable};
use crate::contact::{StdField, FIELD_COUNT};

/// `[fields]`: one optional entry per writable DTO field.
#[derive(Debug, Clone, Default)]
pub struct FieldsSpec {
    /// The HighLevel contact id (`id = "_contact_id"` for our own export): a row with one
    /// updates that contact by id (issue 21.2). Not a DTO field.
    pub id: Option<FieldSpec>,
    /// Each standard field's entry, indexed by `StdField as usize`.
    pub std: [Option<FieldSpec>; FIELD_COUNT],
}

impl FieldsSpec {
    /// The entry of one standard field.
    pub fn get(&self, field: StdField) -> Option<&FieldSpec> {
        self.std[field as usize].as_ref()
    }

    /// The standard fields the mapping fills, in DTO order, with their tables.
    pub fn tables(&self) -> impl Iterator<Item = (StdField, &FieldTable)> {
        StdField::ALL
            .into_iter()
            .filter_map(|field| self.get(field).map(|spec| (field, &spec.0)))
    }
}

/// The keys `[fields]` takes, in the order an "expected one of" message lists them.
static KEYS: [&str; FIELD_COUNT + 1] = {
    let mut keys = ["id"; FIELD_COUNT + 1];
    let mut i = 0;
    while i < FIELD_COUNT {
        keys[i + 1] = StdField::ALL[i].name();
        i += 1;
    }
    keys
};

/// A key of `[fields]`: `id` (`None`) or a standard field.
struct Key(Option<StdField>);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("field identifier")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                if key == "id" {
                    return Ok(Key(None));
                }
                StdField::from_name(key)
                    .map(|field| Key(Some(field)))
                    .ok_or_else(|| E::unknown_field(key, &KEYS))
            }
        }
        // As a derived struct reads its keys, so an unknown one is reported at the same place.
        d.deserialize_identifier(V)
    }
}

impl<'de> Deserialize<'de> for FieldsSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FieldsSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("struct FieldsSpec")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FieldsSpec, A::Error> {
                let mut spec = FieldsSpec::default();
                while let Some(Key(key)) = map.next_key()? {
                    let slot = match key {
                        None => &mut spec.id,
                        Some(field) => &mut spec.std[field as usize],
                    };
                    if slot.is_some() {
                        let name = key.map_or("id", StdField::name);
                        return Err(de::Error::duplicate_field(name));
                    }
                    *slot = Some(map.next_value()?);
                }
                Ok(spec)
            }
        }
        d.deserialize_struct("FieldsSpec", &KEYS, V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(toml_text: &str) -> Result<FieldsSpec, toml::de::Error> {
        toml::from_str(toml_text)
    }

    #[test]
    fn each_key_fills_its_field() {
        let spec = read("id = \"Id\"\npostalCode = \"Zip\"\ndnd = { column = \"D\" }\n").unwrap();
        assert_eq!(spec.id.as_ref().unwrap().0.column.as_deref(), Some("Id"));
        let filled: Vec<(StdField, Option<&str>)> = spec
            .tables()
            .map(|(field, table)| (field, table.column.as_deref()))
            .collect();
        assert_eq!(
            filled,
            [
                (StdField::PostalCode, Some("Zip")),
                (StdField::Dnd, Some("D"))
            ]
        );
    }

    #[test]
    fn an_unknown_key_is_refused_with_every_key_listed() {
        let message = read("emial = \"E\"\n").unwrap_err().to_string();
        assert!(
            message.contains("unknown field `emial`, expected one of `id`, `firstName`"),
            "{message}"
        );
        assert!(message.contains("`assignedTo`"), "{message}");
    }
}
