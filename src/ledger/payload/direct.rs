//! The stored form straight from a serialisable value: serde_json writes each member's JSON
//! text as it would for the JSON payload, and this formatter lays the top-level members out as
//! [`super::encode`] does from that text. Same bytes, without the JSON text or a re-scan of it
//! (issue 20: the re-scan was 6 % of a `validate` run's instructions, on the ledger thread).

use std::io;

use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter};

use super::{put_varint, EMAIL_COLUMN, FORMAT, KEYS, OTHER_KEY, PHONE_COLUMN};

/// The stored form of `value`'s JSON object for a row whose identity columns are `email` and
/// `phone`; `None` when it does not serialise, or not to an object.
pub(super) fn encode_value<T: Serialize + ?Sized>(
    value: &T,
    email: Option<&str>,
    phone: Option<&str>,
) -> Option<Vec<u8>> {
    let mut state = Members {
        out: Vec::with_capacity(192),
        email,
        phone,
        depth: 0,
        closed: false,
        in_key: false,
        member: 0,
        text: 0,
        key: None,
        string: false,
    };
    state.out.push(FORMAT);
    let mut ser = serde_json::Serializer::with_formatter(io::sink(), Layout(&mut state));
    value.serialize(&mut ser).ok()?;
    (state.closed && state.depth == 0).then_some(state.out)
}

/// Where the writing is: the top-level object is depth 1, its members' own objects and arrays
/// deeper (written as JSON text, as `encode` keeps them).
struct Members<'a> {
    out: Vec<u8>,
    email: Option<&'a str>,
    phone: Option<&'a str>,
    depth: usize,
    /// The top-level object has ended.
    closed: bool,
    /// A top-level key is being written.
    in_key: bool,
    /// Where the current member starts in `out`.
    member: usize,
    /// Where its key's or value's text starts: one byte after the byte kept for its length.
    text: usize,
    /// The member's key, when it is one of [`KEYS`].
    key: Option<&'static str>,
    /// The member's value is a string (written without its quotes).
    string: bool,
}

impl Members<'_> {
    /// Keeps a byte for a length and starts a text after it.
    fn open_text(&mut self) {
        self.out.push(0);
        self.text = self.out.len();
    }

    /// Puts `n`'s varint in the byte kept before the current text (moving the text when the
    /// varint needs more: only for texts of 64 bytes or more).
    fn close_text(&mut self, n: u64) {
        let at = self.text - 1;
        if n < 0x80 {
            self.out[at] = n as u8;
        } else {
            let mut varint = Vec::with_capacity(10);
            put_varint(&mut varint, n);
            self.out.splice(at..=at, varint);
        }
    }
}

/// The place of `key` in [`KEYS`], as one `match` (a linear search of the list was 185
/// instructions per member, a quarter of the encoding).
fn key_index(key: &[u8]) -> Option<u8> {
    Some(match key {
        b"id" => 0,
        b"firstName" => 1,
        b"lastName" => 2,
        b"name" => 3,
        b"email" => 4,
        b"phone" => 5,
        b"gender" => 6,
        b"address1" => 7,
        b"city" => 8,
        b"state" => 9,
        b"postalCode" => 10,
        b"website" => 11,
        b"timezone" => 12,
        b"dnd" => 13,
        b"source" => 14,
        b"dateOfBirth" => 15,
        b"country" => 16,
        b"companyName" => 17,
        b"assignedTo" => 18,
        b"customFields" => 19,
        b"tags" => 20,
        b"notes" => 21,
        b"tagsRemove" => 22,
        b"task" => 23,
        b"businessId" => 24,
        _ => return None,
    })
}

fn not_an_object() -> io::Error {
    io::Error::other("the payload is not a JSON object")
}

/// The formatter: ignores serde_json's writer (a sink) and writes into [`Members::out`].
struct Layout<'s, 'a>(&'s mut Members<'a>);

/// Scalars and string pieces: as JSON text, inside a top-level member.
macro_rules! text {
    ($($name:ident($ty:ty)),* $(,)?) => {$(
        fn $name<W: ?Sized + io::Write>(&mut self, _: &mut W, value: $ty) -> io::Result<()> {
            if self.0.depth == 0 {
                return Err(not_an_object());
            }
            CompactFormatter.$name(&mut self.0.out, value)
        }
    )*};
}

impl Formatter for Layout<'_, '_> {
    text!(
        write_bool(bool),
        write_i8(i8),
        write_i16(i16),
        write_i32(i32),
        write_i64(i64),
        write_i128(i128),
        write_u8(u8),
        write_u16(u16),
        write_u32(u32),
        write_u64(u64),
        write_u128(u128),
        write_f32(f32),
        write_f64(f64),
        write_number_str(&str),
        write_string_fragment(&str),
        write_char_escape(CharEscape),
        write_raw_fragment(&str),
    );

    fn write_null<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        if self.0.depth == 0 {
            return Err(not_an_object());
        }
        CompactFormatter.write_null(&mut self.0.out)
    }

    fn begin_string<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        let m = &mut *self.0;
        match m.depth {
            0 => Err(not_an_object()),
            // A top-level key or string value: its text without the quotes.
            1 => {
                m.string |= !m.in_key;
                Ok(())
            }
            _ => CompactFormatter.begin_string(&mut m.out),
        }
    }

    fn end_string<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        match self.0.depth {
            1 => Ok(()),
            _ => CompactFormatter.end_string(&mut self.0.out),
        }
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        let m = &mut *self.0;
        if m.depth == 0 {
            return Err(not_an_object());
        }
        m.depth += 1;
        CompactFormatter.begin_array(&mut m.out)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        self.0.depth -= 1;
        CompactFormatter.end_array(&mut self.0.out)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        _: &mut W,
        first: bool,
    ) -> io::Result<()> {
        CompactFormatter.begin_array_value(&mut self.0.out, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        CompactFormatter.end_array_value(&mut self.0.out)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        let m = &mut *self.0;
        if m.depth == 0 && m.closed {
            return Err(not_an_object());
        }
        m.depth += 1;
        match m.depth {
            1 => Ok(()),
            _ => CompactFormatter.begin_object(&mut m.out),
        }
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        let m = &mut *self.0;
        m.depth -= 1;
        match m.depth {
            0 => {
                m.closed = true;
                Ok(())
            }
            _ => CompactFormatter.end_object(&mut m.out),
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        _: &mut W,
        first: bool,
    ) -> io::Result<()> {
        let m = &mut *self.0;
        if m.depth != 1 {
            return CompactFormatter.begin_object_key(&mut m.out, first);
        }
        // Spelled out until it is known to be one of KEYS.
        m.in_key = true;
        m.member = m.out.len();
        m.out.push(OTHER_KEY);
        m.open_text();
        Ok(())
    }

    fn end_object_key<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        let m = &mut *self.0;
        if m.depth != 1 {
            return CompactFormatter.end_object_key(&mut m.out);
        }
        m.in_key = false;
        let key = &m.out[m.text..];
        match key_index(key) {
            Some(i) => {
                m.key = Some(KEYS[i as usize]);
                m.out.truncate(m.member);
                m.out.push(i);
            }
            None => {
                m.key = None;
                let len = key.len() as u64;
                m.close_text(len);
            }
        }
        Ok(())
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        let m = &mut *self.0;
        if m.depth != 1 {
            return CompactFormatter.begin_object_value(&mut m.out);
        }
        m.string = false;
        m.open_text();
        Ok(())
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        let m = &mut *self.0;
        if m.depth != 1 {
            return CompactFormatter.end_object_value(&mut m.out);
        }
        let value = &m.out[m.text..];
        let column = match (m.key, m.string) {
            (Some("email"), true) => m
                .email
                .filter(|e| e.as_bytes() == value)
                .map(|_| EMAIL_COLUMN),
            (Some("phone"), true) => m
                .phone
                .filter(|p| p.as_bytes() == value)
                .map(|_| PHONE_COLUMN),
            _ => None,
        };
        match column {
            Some(byte) => {
                m.out.truncate(m.member);
                m.out.push(byte);
            }
            None => {
                let head = (value.len() as u64) << 1 | u64::from(m.string);
                m.close_text(head);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
