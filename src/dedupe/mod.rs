//! Dedupe: which rows are one person. Rows are one person when an identity they share does not
//! contradict another (issue 21.1): a shared contact id merges first, then a shared normalised
//! email; a shared phone merges only groups whose emails agree (at most one of them has one) or,
//! when both have emails, whose names agree (`fold`). Different contact ids never merge. The
//! rule holds for whole groups: no group ever holds two different emails under different
//! names, even through a row without an email. Rows that share a phone with another person are
//! not merged; `[dedupe] shared_phone` says what becomes of them ([`Conflict`]).
//!
//! File order matters only where rows contest a key (the earlier keeps it); other people's
//! rows and the digests' order change nothing, and the rows sent resolve to the same groups.
//!
//! Each key is held as a 128-bit blake3 digest, not the text (at 2^-128 per pair a collision is
//! not a practical concern), computed where the row is normalised ([`KeyDigests::of`], on the
//! rayon workers). Rows only append their digests to flat lists while the file streams;
//! [`Deduper::resolve`] sorts them once (in parallel) and joins runs of equal digests with
//! union-find, each set carrying what its members say about who they are ([`Person`]). Payloads
//! stay in the ledger; the caller merges them group by group (`Contact::merge_from`).

mod fold;
mod merge;
mod partitioned;
mod union;

use rayon::slice::ParallelSliceMut;

use crate::contact::Contact;
use crate::mapping::{DedupeKey, SharedPhone};
pub use fold::folded_name;
use merge::{merge_strong, share_phone, Fate};
pub use partitioned::Partitioned;
use union::{Person, UnionFind};

/// The identity-key digests of one row: computed beside normalisation, added in file order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeyDigests {
    id: Option<u128>,
    email: Option<u128>,
    phone: Option<u128>,
    /// The folded name, for rows that share a phone.
    name: Option<u128>,
    /// The row has an email (whether or not email is a key in use).
    has_email: bool,
}

impl KeyDigests {
    /// The digests of a normalised contact's keys in use (`keys`; the contact id always is).
    pub fn of(keys: &[DedupeKey], contact: &Contact) -> KeyDigests {
        let name = folded_name(
            contact.std.first_name.as_deref(),
            contact.std.last_name.as_deref(),
            contact.std.name.as_deref(),
        );
        KeyDigests::from_parts(
            keys,
            contact.id.as_deref(),
            contact.std.email.as_deref(),
            contact.std.phone.as_deref(),
            name.as_deref(),
        )
    }

    /// The digests of the given values; an absent or empty value has none.
    pub fn from_parts(
        keys: &[DedupeKey],
        id: Option<&str>,
        email: Option<&str>,
        phone: Option<&str>,
        name: Option<&str>,
    ) -> KeyDigests {
        fn present(v: Option<&str>) -> Option<&str> {
            v.filter(|v| !v.is_empty())
        }
        let keyed = |key, kind, value: Option<&str>| {
            present(value)
                .filter(|_| keys.contains(&key))
                .map(|v| key_digest(kind, v))
        };
        KeyDigests {
            id: present(id).map(|v| key_digest(b'i', v)),
            email: keyed(DedupeKey::Email, b'e', email),
            phone: keyed(DedupeKey::Phone, b'p', phone),
            name: present(name).map(|v| key_digest(b'n', v)),
            has_email: present(email).is_some(),
        }
    }
}

/// Why a row was kept out of the groups it would have joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    /// Its phone is held by another person of the file (`[dedupe] shared_phone`).
    PhoneShared,
    /// Its email or phone is held by a row naming another contact id.
    IdentityConflict,
}

/// A row whose identity contradicts an earlier row's: `holder` holds the shared key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conflict {
    /// The row.
    pub row: u64,
    /// What kind of contradiction.
    pub kind: ConflictKind,
    /// The earlier row holding the key.
    pub holder: u64,
    /// The shared key is the phone (else the email).
    pub on_phone: bool,
}

/// Dedupe's answer: the groups and the rows kept out of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolution {
    /// The groups of two or more rows, each in file order (the first is the survivor),
    /// ordered by their survivor. No conflicting row that loses its place is in one.
    pub groups: Vec<Vec<u64>>,
    /// The conflicting rows, in file order.
    pub conflicts: Vec<Conflict>,
}

/// One key occurrence: the digest split in two words (24 bytes with the member, not the 32 a
/// `u128` would align to) and the member it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Occurrence {
    high: u64,
    low: u64,
    member: u32,
}

impl Occurrence {
    fn new(digest: u128, member: u32) -> Occurrence {
        Occurrence {
            high: (digest >> 64) as u64,
            low: digest as u64,
            member,
        }
    }

    fn same_key(&self, other: &Occurrence) -> bool {
        (self.high, self.low) == (other.high, other.low)
    }
}

/// Collects identity keys row by row (in file order) and resolves the groups.
#[derive(Debug, Default)]
pub struct Deduper {
    keys: Vec<DedupeKey>,
    shared_phone: SharedPhone,
    /// Contact ids: equal ones are one contact.
    ids: Vec<Occurrence>,
    /// Emails: these merge (unless two ids differ).
    emails: Vec<Occurrence>,
    /// Phones: these merge only rows that agree.
    phones: Vec<Occurrence>,
    people: Vec<Person>,
    rows: Vec<u64>,
}

impl Deduper {
    /// A deduper over these keys; no keys means only equal contact ids merge.
    pub fn new(keys: &[DedupeKey], shared_phone: SharedPhone) -> Deduper {
        Deduper {
            keys: keys.to_vec(),
            shared_phone,
            ..Deduper::default()
        }
    }

    /// Adds one valid row by its email and phone alone (tests, benchmarks). Rows must come in
    /// file order.
    pub fn add(&mut self, row: u64, email: Option<&str>, phone: Option<&str>) {
        let digests = KeyDigests::from_parts(&self.keys, None, email, phone, None);
        self.add_digests(row, digests);
    }

    /// Adds one valid row. Rows must come in file order: the earliest row of a group survives.
    pub fn add_digests(&mut self, row: u64, digests: KeyDigests) {
        // More than 4 billion valid rows would not fit a u32; no spreadsheet gets near it.
        let member = self.rows.len() as u32;
        self.rows.push(row);
        self.people
            .push(Person::of(digests.id, digests.has_email, digests.name));
        if let Some(id) = digests.id {
            self.ids.push(Occurrence::new(id, member));
        }
        if let Some(email) = digests.email {
            self.emails.push(Occurrence::new(email, member));
        }
        if let Some(phone) = digests.phone {
            self.phones.push(Occurrence::new(phone, member));
        }
    }

    /// The groups and the conflicting rows.
    pub fn resolve(self) -> Resolution {
        let Deduper {
            shared_phone,
            mut ids,
            mut emails,
            mut phones,
            people,
            rows,
            ..
        } = self;
        // Equal digests end up side by side; the member breaks ties so the order is total and
        // each run is in file order.
        for occurrences in [&mut ids, &mut emails, &mut phones] {
            occurrences.par_sort_unstable();
        }
        // Each phone in the order the file first shows it, so the earliest holder wins.
        let mut phone_runs: Vec<&[Occurrence]> = phones.chunk_by(|a, b| a.same_key(b)).collect();
        phone_runs.sort_unstable_by_key(|run| run[0].member);
        let n = people.len();
        // Rounds until one decides nothing new, each from scratch without the rows left out
        // and the phones dropped so far: the answer is what the sent rows group to (no group
        // rests on a rejected row, nor on a phone the caller drops). Stopping earlier let rows
        // of other people, forcing one more round, change it. Fates only grow: this ends.
        let mut fates = vec![Fate::Open; n];
        let mut reasons: Vec<Option<(ConflictKind, u32, bool)>> = vec![None; n];
        // After the first round only the rows sharing keys, however indirectly, with a row
        // just decided can change; the others' sets stand as they are (the same round over
        // them would give the same). `component`: per member, its set of rows linked by keys.
        let mut sets = UnionFind::new(people);
        let mut component: Vec<u32> = Vec::new();
        let mut dirty: Option<Vec<bool>> = None;
        loop {
            let redo = |member: u32| match &dirty {
                None => true,
                Some(dirty) => dirty[component[member as usize] as usize],
            };
            for member in (0..n as u32).filter(|&m| dirty.is_some() && redo(m)) {
                sets.reset(member, fates[member as usize] == Fate::Left);
            }
            let mut conflicts = Vec::new();
            // Equal ids first, then emails, then the phones that agree.
            for run in ids
                .chunk_by(|a, b| a.same_key(b))
                .filter(|r| redo(r[0].member))
            {
                merge_strong(&mut sets, run, &mut conflicts);
            }
            for run in emails
                .chunk_by(|a, b| a.same_key(b))
                .filter(|r| redo(r[0].member))
            {
                merge_strong(&mut sets, run, &mut conflicts);
            }
            for run in phone_runs.iter().filter(|r| redo(r[0].member)) {
                share_phone(&mut sets, run, &fates, shared_phone, &mut conflicts);
            }
            let mut decided: Vec<u32> = Vec::new();
            for (member, kind, holder, on_phone) in conflicts {
                let m = member as usize;
                let fate = if sets.is_excluded(member) {
                    Fate::Left
                } else {
                    Fate::PhoneDropped
                };
                if fate > fates[m] {
                    fates[m] = fate;
                    reasons[m] = Some((kind, holder, on_phone));
                    decided.push(member);
                }
            }
            if !decided.is_empty() {
                if component.is_empty() {
                    let links = [&ids, &emails, &phones]
                        .into_iter()
                        .flat_map(|o| o.chunk_by(|a, b| a.same_key(b)))
                        .flat_map(|run| run.iter().map(move |o| (run[0].member, o.member)));
                    component = union::components(n, links);
                }
                let mut next = vec![false; n];
                for &member in &decided {
                    next[component[member as usize] as usize] = true;
                }
                dirty = Some(next);
                continue;
            }
            {
                return Resolution {
                    groups: sets.groups(&rows),
                    // Members are in file order, so the conflicts are too.
                    conflicts: reasons
                        .iter()
                        .enumerate()
                        .filter_map(|(member, reason)| {
                            let (kind, holder, on_phone) = (*reason)?;
                            Some(Conflict {
                                row: rows[member],
                                kind,
                                holder: rows[holder as usize],
                                on_phone,
                            })
                        })
                        .collect(),
                };
            }
        }
    }
}

/// blake3 of the kind byte then the value, first 16 bytes. Short keys (all real ones) are
/// hashed from a stack copy in one call, which skips building a streaming `Hasher`.
fn key_digest(kind: u8, value: &str) -> u128 {
    const SHORT: usize = 256;
    let digest = if value.len() < SHORT {
        let mut input = [0u8; SHORT];
        input[0] = kind;
        input[1..=value.len()].copy_from_slice(value.as_bytes());
        blake3::hash(&input[..=value.len()])
    } else {
        let mut hasher = blake3::Hasher::new();
        hasher.update(&[kind]);
        hasher.update(value.as_bytes());
        hasher.finalize()
    };
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest.as_bytes()[..16]);
    u128::from_le_bytes(first)
}

#[cfg(test)]
mod independence_tests;
#[cfg(test)]
mod shared_phone_tests;
#[cfg(test)]
mod tests;
