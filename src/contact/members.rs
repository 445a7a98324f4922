//! A contact's JSON members read in one pass, for the two readers that skip serde's `flatten`
//! buffer (a staged payload, `contact::model_de`; an API answer, `api::contact_wire`): the
//! visit of the object ([`read_members`]), a member's name read as a [`Member`] without
//! allocating, the "given twice" check, and a standard field's value read into its slot as the
//! derived readers read it. Each reader says only how its own members are read; the 18 fields
//! stay listed only in `contact/fields.rs`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use super::fields::{StdField, StdFields, FIELD_COUNT};

/// The members a reader takes besides the standard fields, named.
pub(crate) trait OwnMembers: Copy + PartialEq + 'static {
    const NAMES: &'static [(Self, &'static str)];
}

/// A contact type read from a JSON object member by member.
pub(crate) trait FromMembers: Default {
    /// Its members besides the standard fields.
    type Own: OwnMembers;
    /// What a value that is not an object was expected to be (serde's error wording).
    const EXPECTING: &'static str;
    /// Reads own member `own`'s value.
    fn read_own<'de, A: MapAccess<'de>>(
        &mut self,
        own: Self::Own,
        map: &mut A,
    ) -> Result<(), A::Error>;
    /// Its standard fields.
    fn std_mut(&mut self) -> &mut StdFields;
}

/// Reads a `T` from a JSON object in one pass: own members through `T::read_own`, standard
/// fields into their slots, other members skipped, a member given twice refused.
pub(crate) fn read_members<'de, T: FromMembers, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_map(MembersVisitor(PhantomData))
}

struct MembersVisitor<T>(PhantomData<T>);

impl<'de, T: FromMembers> Visitor<'de> for MembersVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut value = T::default();
        let mut seen = Seen::default();
        while let Some(member) = map.next_key_seed(MemberName::<T::Own>::default())? {
            seen.mark(member)?;
            match member {
                Member::Own(own) => value.read_own(own, &mut map)?,
                Member::Std(field) => value.std_mut().read_member(field, &mut map)?,
                Member::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(value)
    }
}

/// A member of a contact as a reader sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Member<K> {
    /// One of the reader's own members.
    Own(K),
    /// A standard field.
    Std(StdField),
    /// A member the reader skips.
    Other,
}

impl<K: OwnMembers> Member<K> {
    /// Its place among the members a reader counts (its own first, then the standard fields)
    /// and its name; `None` for a member it skips.
    fn slot(self) -> Option<(usize, &'static str)> {
        match self {
            Member::Own(own) => K::NAMES
                .iter()
                .position(|(key, _)| *key == own)
                .map(|at| (at, K::NAMES[at].1)),
            Member::Std(field) => Some((K::NAMES.len() + field as usize, field.name())),
            Member::Other => None,
        }
    }
}

/// Reads a member's name.
struct MemberName<K>(PhantomData<K>);

impl<K> Default for MemberName<K> {
    fn default() -> MemberName<K> {
        MemberName(PhantomData)
    }
}

impl<'de, K: OwnMembers> DeserializeSeed<'de> for MemberName<K> {
    type Value = Member<K>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Member<K>, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<K: OwnMembers> Visitor<'_> for MemberName<K> {
    type Value = Member<K>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a contact member name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Member<K>, E> {
        Ok(K::NAMES
            .iter()
            .find(|(_, own)| *own == name)
            .map(|(key, _)| Member::Own(*key))
            .or_else(|| StdField::from_name(name).map(Member::Std))
            .unwrap_or(Member::Other))
    }
}

/// The members a reader has seen: one given twice (two emails for one contact) is refused, as
/// serde's derived readers refuse it, rather than one of them kept on a guess.
#[derive(Default)]
struct Seen(u64);

impl Seen {
    /// Marks `member` seen; an error if it was already.
    fn mark<K: OwnMembers, E: de::Error>(&mut self, member: Member<K>) -> Result<(), E> {
        const { assert!(K::NAMES.len() + FIELD_COUNT <= 64, "Seen counts 64 members") };
        let Some((at, name)) = member.slot() else {
            return Ok(());
        };
        let bit = 1u64 << at;
        if self.0 & bit != 0 {
            return Err(E::duplicate_field(name));
        }
        self.0 |= bit;
        Ok(())
    }
}

impl StdFields {
    /// Member `field`'s value into its slot, as the derived readers read it: `dnd` a boolean
    /// or null; `gender` and `dateOfBirth` a string, anything else read as not set (an
    /// answer's `dateOfBirth` can be a number or an object); the others a string or null.
    fn read_member<'de, A: MapAccess<'de>>(
        &mut self,
        field: StdField,
        map: &mut A,
    ) -> Result<(), A::Error> {
        if field == StdField::Dnd {
            self.dnd = map.next_value()?;
            return Ok(());
        }
        let text = if matches!(field, StdField::Gender | StdField::DateOfBirth) {
            match map.next_value::<Value>()? {
                Value::String(text) => Some(text),
                _ => None,
            }
        } else {
            map.next_value::<Option<String>>()?
        };
        if let Some(slot) = self.text_mut(field) {
            *slot = text;
        }
        Ok(())
    }
}
