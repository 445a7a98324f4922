//! A generated contacts file whose truth is known before the import runs: which rows are
//! invalid, which rows are one person (shared email or phone, written differently), and the
//! tags each person ends with. The checks compare the sandbox and the ledger against it, so a
//! test does not have to trust the tool's own staging to know what "one contact per group"
//! means.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct FileSpec {
    /// Data rows.
    pub rows: usize,
    /// The same seed gives the same file.
    pub seed: u64,
    /// Plant invalid rows (rejected by validation)?
    pub invalid: bool,
}

impl FileSpec {
    /// `rows` valid rows drawn from `seed`.
    pub fn clean(rows: usize, seed: u64) -> FileSpec {
        FileSpec {
            rows,
            seed,
            invalid: false,
        }
    }

    /// `rows` rows drawn from `seed`, some of them planted invalid.
    pub fn with_invalid(rows: usize, seed: u64) -> FileSpec {
        FileSpec {
            rows,
            seed,
            invalid: true,
        }
    }
}

/// One data row's truth.
#[derive(Debug, Clone)]
pub struct RowTruth {
    /// The row number the ledger uses: the line in the file, header included.
    pub row: u64,
    pub valid: bool,
    /// Normalised identity keys (lower-cased email, E.164 phone).
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tags: BTreeSet<String>,
}

/// Rows that are one person.
#[derive(Debug, Clone)]
pub struct Group {
    /// Its rows, in file order; the first is the one delivered.
    pub rows: Vec<u64>,
    pub emails: BTreeSet<String>,
    pub phones: BTreeSet<String>,
    /// What the merged contact is sent with: the first email and phone in file order.
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The union of its rows' tags.
    pub tags: BTreeSet<String>,
}

/// The file's truth.
#[derive(Debug, Clone)]
pub struct Expected {
    pub rows: Vec<RowTruth>,
    pub groups: Vec<Group>,
}

impl Expected {
    /// Rows validation must reject.
    pub fn invalid(&self) -> usize {
        self.rows.iter().filter(|r| !r.valid).count()
    }

    /// Rows folded into another row of their group.
    pub fn merged(&self) -> usize {
        self.groups.iter().map(|g| g.rows.len() - 1).sum()
    }
}

const FIRST: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Priya", "Kenji", "Fatima", "Tomasz",
    "Ngozi", "Diego", "Aisha", "Ingrid", "Rafael", "Grace",
];
const LAST: &[&str] = &[
    "Whitfield",
    "Calloway",
    "Okafor",
    "Lindqvist",
    "Marchetti",
    "Nakamura",
    "Vasquez",
    "Kowalczyk",
    "Rasmussen",
    "Quintero",
    "Hollis",
    "Ibarra",
];
const AREAS: &[&str] = &["415", "617", "512", "303", "312", "206", "305"];
const TAGS: &[&str] = &[
    "customer",
    "prospect",
    "newsletter",
    "vip",
    "expo 2024",
    "referral",
];

struct Draft {
    first: &'static str,
    last: &'static str,
    email: Option<(String, String)>, // (as written, normalised)
    phone: Option<(String, String)>,
    tags: Vec<&'static str>,
    valid: bool,
}

/// A NANP number unique per (`block`, `i`), as written and as E.164.
fn phone(rng: &mut fastrand::Rng, block: u64, i: u64) -> (String, String) {
    let area = AREAS[rng.usize(..AREAS.len())];
    let exchange = 234 + block;
    let line = format!("{:04}", i % 10_000);
    let e164 = format!("+1{area}{exchange}{line}");
    let written = match rng.u8(0..4) {
        0 => format!("({area}) {exchange}-{line}"),
        1 => format!("{area}-{exchange}-{line}"),
        2 => format!("+1 {area} {exchange} {line}"),
        _ => format!("{area}{exchange}{line}"),
    };
    (written, e164)
}

fn rewrite_phone(e164: &str) -> String {
    let ten = &e164[2..];
    format!("1-{}-{}-{}", &ten[..3], &ten[3..6], &ten[6..])
}

fn vary_case(email: &str, rng: &mut fastrand::Rng) -> String {
    match rng.u8(0..3) {
        0 => email.to_ascii_uppercase(),
        1 => format!("  {email} "),
        _ => email.to_string(),
    }
}

/// The valid rows drawn so far, and which of them have an email or a phone, in file order: a
/// repeat picks among those, and the indexes keep that pick constant-time (a filter of every
/// earlier row per repeat made 150,000 rows take 20 s of a debug build's CPU).
#[derive(Default)]
struct Drawn {
    clean: Vec<Draft>,
    with_email: Vec<usize>,
    with_phone: Vec<usize>,
}

impl Drawn {
    fn push(&mut self, d: Draft) {
        if d.email.is_some() {
            self.with_email.push(self.clean.len());
        }
        if d.phone.is_some() {
            self.with_phone.push(self.clean.len());
        }
        self.clean.push(d);
    }

    /// An earlier valid row with an email (`email`) or a phone, drawn uniformly.
    fn earlier(&self, rng: &mut fastrand::Rng, email: bool) -> &Draft {
        let among = if email {
            &self.with_email
        } else {
            &self.with_phone
        };
        &self.clean[among[rng.usize(..among.len())]]
    }
}

fn draft(rng: &mut fastrand::Rng, i: u64, drawn: &Drawn, invalid: bool) -> Draft {
    let first = FIRST[rng.usize(..FIRST.len())];
    let last = LAST[rng.usize(..LAST.len())];
    let mut tags: Vec<&'static str> = (0..rng.usize(0..3))
        .map(|_| TAGS[rng.usize(..TAGS.len())])
        .collect();
    tags.sort_unstable();
    tags.dedup();
    let fresh_email = |rng: &mut fastrand::Rng, domain: &str| {
        let e = format!(
            "{}.{}.{i}@{domain}",
            first.to_lowercase(),
            last.to_lowercase()
        );
        (vary_case(&e, rng), e)
    };
    let roll = if i < 4 { 99 } else { rng.u8(0..100) };
    let mut d = Draft {
        first,
        last,
        email: None,
        phone: None,
        tags,
        valid: true,
    };
    match roll {
        // The same person again, found by email (written differently), maybe with a phone
        // of their own.
        0..8 => {
            let j = drawn.earlier(rng, true);
            let (_, norm) = j.email.clone().unwrap_or_default();
            d.email = Some((vary_case(&norm, rng), norm));
            if rng.bool() {
                d.phone = Some(phone(rng, 1, i));
            }
        }
        // The same person again, found by phone (another format), maybe with another email.
        8..14 => {
            let j = drawn.earlier(rng, false);
            let (_, norm) = j.phone.clone().unwrap_or_default();
            d.phone = Some((rewrite_phone(&norm), norm));
            if rng.bool() {
                d.email = Some(fresh_email(rng, "example.org"));
            }
        }
        // Invalid: a broken email (blocks the row even with a good phone), or no identity.
        14..18 if invalid => {
            d.valid = false;
            if rng.bool() {
                let e = format!("{}.{i}@", first.to_lowercase());
                d.email = Some((e.clone(), e));
                d.phone = Some(phone(rng, 2, i));
            } else {
                d.phone = Some(("n/a".into(), String::new()));
            }
        }
        _ => {
            let with_email = rng.u8(0..100) < 92;
            if with_email {
                d.email = Some(fresh_email(rng, "example.com"));
            }
            if !with_email || rng.u8(0..100) < 80 {
                d.phone = Some(phone(rng, 0, i));
            }
        }
    }
    d
}

/// Writes the file (the columns of `mappings/gen_contacts.toml`) and returns its truth.
pub fn write(path: &Path, spec: &FileSpec) -> Expected {
    let mut rng = fastrand::Rng::with_seed(spec.seed);
    let mut drawn = Drawn::default();
    let mut truths = Vec::new();
    let mut out = csv::Writer::from_path(path).expect("the file can be written");
    out.write_record([
        "First Name",
        "Last Name",
        "Email",
        "Phone",
        "Company",
        "Address",
        "City",
        "State",
        "Postal Code",
        "Country",
        "Date of Birth",
        "Tags",
    ])
    .expect("header written");
    for i in 0..spec.rows as u64 {
        let d = draft(&mut rng, i, &drawn, spec.invalid);
        let email = d.email.as_ref().map(|e| e.0.as_str()).unwrap_or("");
        let phone = d.phone.as_ref().map(|p| p.0.as_str()).unwrap_or("");
        let tags = d.tags.join(", ");
        out.write_record([
            d.first,
            d.last,
            email,
            phone,
            "Harborview Fitness",
            "12 Main St",
            "Austin",
            "TX",
            "78701",
            "US",
            "1984-02-29",
            tags.as_str(),
        ])
        .expect("row written");
        truths.push(RowTruth {
            // The reader numbers rows as the file's lines: the header is line 1.
            row: i + 2,
            valid: d.valid,
            email: d.email.as_ref().map(|e| e.1.clone()),
            phone: d.phone.as_ref().map(|p| p.1.clone()),
            tags: d.tags.iter().map(|t| t.to_string()).collect(),
        });
        if d.valid {
            drawn.push(d);
        }
    }
    out.flush().expect("file flushed");
    let groups = group(&truths);
    Expected {
        rows: truths,
        groups,
    }
}

/// Union-find over shared keys, the way HighLevel (and the tool's dedupe) see one person.
fn group(rows: &[RowTruth]) -> Vec<Group> {
    let valid: Vec<&RowTruth> = rows.iter().filter(|r| r.valid).collect();
    let mut parent: Vec<usize> = (0..valid.len()).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut owner: BTreeMap<String, usize> = BTreeMap::new();
    for (n, r) in valid.iter().enumerate() {
        let keys = r.email.iter().map(|e| format!("e:{e}"));
        for key in keys.chain(r.phone.iter().map(|p| format!("p:{p}"))) {
            match owner.get(&key) {
                Some(&m) => {
                    let (a, b) = (find(&mut parent, m), find(&mut parent, n));
                    parent[a.max(b)] = a.min(b);
                }
                None => {
                    owner.insert(key, n);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Group> = BTreeMap::new();
    for (n, r) in valid.iter().enumerate() {
        let root = find(&mut parent, n);
        let g = groups.entry(root).or_insert_with(|| Group {
            rows: Vec::new(),
            emails: BTreeSet::new(),
            phones: BTreeSet::new(),
            email: None,
            phone: None,
            tags: BTreeSet::new(),
        });
        g.email = g.email.take().or_else(|| r.email.clone());
        g.phone = g.phone.take().or_else(|| r.phone.clone());
        g.rows.push(r.row);
        g.emails.extend(r.email.iter().cloned());
        g.phones.extend(r.phone.iter().cloned());
        g.tags.extend(r.tags.iter().cloned());
    }
    groups.into_values().collect()
}
