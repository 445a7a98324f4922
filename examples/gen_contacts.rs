//! Benchmark input generator: a deterministic CSV of realistic contacts with planted
//! duplicates (~5 %) and invalid rows (~3 %).
//!
//! ```text
//! cargo run --release --example gen_contacts -- --rows 1000000 --seed 7 --out big.csv
//! ```
//!
//! Every row is a pure function of `(seed, row index)`: row `i` draws from its own RNG seeded
//! from both, so a duplicate can re-derive the earlier row it copies without keeping the file
//! in memory, and the output is the same for a seed whatever the row count. Identities of
//! clean rows are unique by construction (the email carries the row index; the phone is a
//! bijection of the row index) up to 8,000,000 rows, so every duplicate in the file is a
//! planted one.
//! Phones are mostly US numbers in mixed national formats, plus Canadian, British, German and
//! Australian numbers in international format; all of them parse with default region US.
//! At this scale they cannot all come from fiction ranges: they are well-formed and may be
//! someone's real number, which is harmless as long as they only ever reach the sandbox.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;

const HEADER: [&str; 12] = [
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
];

#[rustfmt::skip]
const FIRST: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "Mateo", "Isabella", "Lucas",
    "Mia", "Ethan", "Amelia", "Aiden", "Harper", "Caleb", "Evelyn", "Owen", "Abigail", "Wyatt",
    "Chloe", "Julian", "Nora", "Isaac", "Layla", "Gabriel", "Zoe", "Miles", "Hannah", "Rowan",
    "Priya", "Kenji", "Fatima", "Tomasz", "Ngozi", "Diego", "Aisha", "Malik", "Ingrid", "Rafael",
    "Grace", "Henry", "Lily", "Jack", "Ellie", "Leo", "Stella", "Ezra", "Violet", "Hudson",
    "Aurora", "Levi", "Hazel", "Theo", "Luna", "Asher", "Ruby", "Silas", "Ivy", "Felix",
];
#[rustfmt::skip]
const LAST: &[&str] = &[
    "Whitfield", "Calloway", "Brennan", "Okafor", "Lindqvist", "Marchetti", "Delacroix", "Haskins",
    "Ferreira", "Nakamura", "Pembroke", "Vasquez", "Thornbury", "Abernathy", "Kowalczyk", "Mendel",
    "Ashworth", "Rasmussen", "Quintero", "Hollis", "Dunleavy", "Castellano", "Greaves", "Ibarra",
    "Fairbanks", "Oyelaran", "Sandoval", "Whitcombe", "Keating", "Montclair", "Garrison", "Bishop",
    "Navarro", "Sutherland", "Holloway", "Prescott", "Lockhart", "Medina", "Carver", "Ellison",
];
#[rustfmt::skip]
const COMPANIES: &[&str] = &[
    "Brightline Dental Studio", "Cedar & Pine Realty", "Summit Ridge Roofing", "Harborview Fitness",
    "Bluewater HVAC Services", "Maple Street Bakery", "Northgate Auto Repair", "Ironwood Legal Group",
    "Sunset Yoga Collective", "Evergreen Landscaping", "Copperleaf Med Spa", "Lakeside Chiropractic",
    "Redwood Insurance Partners", "Granite State Plumbing", "Silverline Mortgage", "Tall Oaks Pet Clinic",
    "Beacon Hill Tutoring", "Crescent Moon Cafe", "Pioneer Solar Installers", "Willow Creek Weddings",
    "", "", "",
];
#[rustfmt::skip]
const STREETS: &[&str] = &[
    "Maple Ave", "Oak St", "Cedar Ln", "Elm St", "Pine Rd", "Washington Blvd", "Lakeview Dr",
    "Sunset Blvd", "Park Pl", "Highland Ave", "Mill Rd", "Church St", "River Rd", "Main St",
];
#[rustfmt::skip]
const TAGS: &[&str] = &[
    "customer", "prospect", "newsletter", "vip", "expo 2024", "referral", "webinar", "trial",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
];

/// How a place's numbers are written; see [`phone_for`].
#[derive(Clone, Copy)]
enum Plan {
    /// NANP with the given area codes, rendered in a mixed national format.
    Us(&'static [&'static str]),
    /// NANP (Canada): one of [`CA_AREAS`] and an exchange in 222-246, which libphonenumber
    /// accepts for every line. The area code follows the row index, not the city, so that
    /// Canadian numbers stay unique as far as US ones do.
    Ca,
    /// `+prefix` then `digits` subscriber digits, rendered as written.
    Intl(&'static str, u32),
}

/// Rows up to which clean rows have unique phones (the US and Canadian number spans).
const UNIQUE_ROWS: u64 = 8_000_000;

/// Canadian area codes (32 x 25 exchanges x 10,000 lines = the 8,000,000 US numbers span).
#[rustfmt::skip]
const CA_AREAS: [&str; 32] = [
    "204", "226", "236", "249", "250", "289", "306", "343", "365", "403", "416", "418", "431",
    "437", "438", "450", "506", "514", "519", "548", "579", "581", "587", "604", "613", "639",
    "647", "672", "705", "709", "778", "780",
];

/// Where a contact lives and how numbers there are written.
struct Place {
    city: &'static str,
    /// State or province code; empty where addresses have none.
    region: &'static str,
    postal: &'static str,
    /// ISO 3166-1 alpha-2, as the Country column holds it.
    country: &'static str,
    plan: Plan,
    /// Relative share of rows.
    weight: u32,
}

const fn place(
    city: &'static str,
    region: &'static str,
    postal: &'static str,
    country: &'static str,
    plan: Plan,
    weight: u32,
) -> Place {
    Place {
        city,
        region,
        postal,
        country,
        plan,
        weight,
    }
}

#[rustfmt::skip]
const PLACES: &[Place] = &[
    place("San Francisco", "CA", "94107", "US", Plan::Us(&["415", "628"]), 90),
    place("Boston", "MA", "02134", "US", Plan::Us(&["617", "857"]), 80),
    place("Austin", "TX", "78701", "US", Plan::Us(&["512", "737"]), 80),
    place("Denver", "CO", "80202", "US", Plan::Us(&["303", "720"]), 70),
    place("Chicago", "IL", "60614", "US", Plan::Us(&["312", "773"]), 90),
    place("Seattle", "WA", "98101", "US", Plan::Us(&["206"]), 60),
    place("Miami", "FL", "33131", "US", Plan::Us(&["305", "786"]), 70),
    place("Phoenix", "AZ", "85004", "US", Plan::Us(&["602"]), 60),
    place("Newark", "NJ", "07102", "US", Plan::Us(&["973", "862"]), 50),
    place("Portland", "OR", "97205", "US", Plan::Us(&["503", "971"]), 50),
    place("Nashville", "TN", "37203", "US", Plan::Us(&["615"]), 50),
    place("Atlanta", "GA", "30303", "US", Plan::Us(&["404", "678"]), 70),
    place("New York", "NY", "10001", "US", Plan::Us(&["212", "646", "718"]), 80),
    place("Toronto", "ON", "M5H 2N2", "CA", Plan::Ca, 20),
    place("Vancouver", "BC", "V6B 1A1", "CA", Plan::Ca, 10),
    place("London", "", "EC1A 1BB", "GB", Plan::Intl("+44 20 7", 7), 10),
    place("Berlin", "", "10117", "DE", Plan::Intl("+49 30 ", 8), 5),
    place("Sydney", "NSW", "2000", "AU", Plan::Intl("+61 2 9", 7), 5),
];

#[derive(Parser)]
#[command(about = "Write a deterministic CSV of realistic contacts for benchmarks")]
struct Args {
    /// Number of data rows to write.
    #[arg(long, default_value_t = 1000)]
    rows: u64,
    /// Seed: the same seed gives the same file.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file; standard output when absent.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// What row `i` is, drawn first from its RNG so that later rows can ask cheaply.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Clean,
    Duplicate,
    Invalid,
}

/// The clean contact that row `i` would be.
struct Person {
    first: &'static str,
    last: &'static str,
    email: String,
    phone: String,
    company: &'static str,
    address: String,
    place: &'static Place,
    dob: String,
    tags: String,
}

/// splitmix64: turns (seed, index) into well-spread per-row seeds.
fn mix(seed: u64, i: u64) -> u64 {
    let mut z = seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn row_rng(seed: u64, i: u64) -> fastrand::Rng {
    fastrand::Rng::with_seed(mix(seed, i))
}

fn kind_of(rng: &mut fastrand::Rng, i: u64) -> Kind {
    match rng.u32(0..1000) {
        _ if i == 0 => Kind::Clean,
        0..50 => Kind::Duplicate,
        50..80 => Kind::Invalid,
        _ => Kind::Clean,
    }
}

/// A bijection of `0..modulus` onto itself that spreads neighbouring rows apart. Every
/// modulus used here has only 2 and 5 as prime factors, so any multiplier coprime to 10
/// (this one ends in 7) makes the map one-to-one.
fn scramble(i: u64, modulus: u64) -> u64 {
    const MULTIPLIER: u64 = 6_180_339_887;
    ((i % modulus) as u128 * MULTIPLIER as u128 % modulus as u128) as u64
}

/// The phone of row `i` at `place`, unique per row index.
fn phone_for(place: &Place, i: u64, rng: &mut fastrand::Rng) -> String {
    match place.plan {
        Plan::Us(areas) => {
            let x = scramble(i, UNIQUE_ROWS);
            let area = areas[rng.usize(..areas.len())];
            let ten = format!("{area}{}{:04}", 200 + x / 10_000, x % 10_000);
            render_nanp(&ten, rng.u8(0..10))
        }
        Plan::Ca => {
            let x = scramble(i, UNIQUE_ROWS);
            let area = CA_AREAS[(x / 250_000) as usize];
            let x = x % 250_000;
            // International format: Canadians in a US list are usually written with +1.
            render_nanp(&format!("{area}{}{:04}", 222 + x / 10_000, x % 10_000), 4)
        }
        Plan::Intl(prefix, digits) => {
            let x = scramble(i, 10u64.pow(digits));
            format!("{prefix}{x:0width$}", width = digits as usize)
        }
    }
}

/// Renders a 10-digit NANP number in one of the shapes people type.
fn render_nanp(ten: &str, style: u8) -> String {
    let (a, e, l) = (&ten[..3], &ten[3..6], &ten[6..]);
    match style {
        0 | 1 => format!("({a}) {e}-{l}"),
        2 | 3 => format!("{a}-{e}-{l}"),
        4 => format!("+1 {a} {e} {l}"),
        5 => format!("{a}.{e}.{l}"),
        6 => format!("{a}{e}{l}"),
        7 => format!("1-{a}-{e}-{l}"),
        _ => format!("+1{a}{e}{l}"),
    }
}

/// The same number as a second system would have stored it: national if it was written
/// with +1, E.164 otherwise.
fn reformat(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let ten = match digits.len() {
        10 if !phone.starts_with('+') => Some(digits.as_str()),
        11 if digits.starts_with('1') => Some(&digits[1..]),
        _ => None,
    };
    match ten {
        Some(ten) if phone.starts_with('+') => render_nanp(ten, 0),
        Some(ten) => render_nanp(ten, 9),
        None => format!("+{digits}"),
    }
}

fn pick<T: Copy>(rng: &mut fastrand::Rng, items: &[T]) -> T {
    items[rng.usize(..items.len())]
}

fn pick_place(rng: &mut fastrand::Rng) -> &'static Place {
    let total: u32 = PLACES.iter().map(|p| p.weight).sum();
    let mut roll = rng.u32(0..total);
    for place in PLACES {
        if roll < place.weight {
            return place;
        }
        roll -= place.weight;
    }
    &PLACES[0]
}

fn person(rng: &mut fastrand::Rng, i: u64) -> Person {
    let first = pick(rng, FIRST);
    let last = pick(rng, LAST);
    let (f, l) = (first.to_ascii_lowercase(), last.to_ascii_lowercase());
    let local = match rng.u8(0..4) {
        0 => format!("{f}.{l}{i}"),
        1 => format!("{}{l}{i}", &f[..1]),
        2 => format!("{f}{i}"),
        _ => format!("{f}.{l}.{i}"),
    };
    let email = format!("{local}@{}", pick(rng, DOMAINS));
    let place = pick_place(rng);
    let phone = phone_for(place, i, rng);
    let address = format!("{} {}", rng.u32(10..9900), pick(rng, STREETS));
    let (y, m, d) = (rng.u32(1945..2006), rng.u32(1..13), rng.u32(1..29));
    let dob = match rng.u8(0..10) {
        0 => String::new(),
        1 | 2 => format!("{m:02}/{d:02}/{y}"),
        _ => format!("{y}-{m:02}-{d:02}"),
    };
    let mut tags: Vec<&str> = (0..rng.usize(0..4)).map(|_| pick(rng, TAGS)).collect();
    tags.sort_unstable();
    tags.dedup();
    Person {
        first,
        last,
        email,
        phone,
        company: pick(rng, COMPANIES),
        address,
        place,
        dob,
        tags: tags.join(","),
    }
}

/// Row `j`'s clean contact, re-derived from its RNG.
fn person_at(seed: u64, j: u64) -> (Kind, Person) {
    let mut rng = row_rng(seed, j);
    let kind = kind_of(&mut rng, j);
    (kind, person(&mut rng, j))
}

/// An earlier clean row to copy, or None when a few tries found only planted rows.
fn earlier_clean(seed: u64, i: u64, rng: &mut fastrand::Rng) -> Option<Person> {
    (0..8).find_map(|_| match person_at(seed, rng.u64(0..i)) {
        (Kind::Clean, p) => Some(p),
        _ => None,
    })
}

fn vary_case(email: &str, rng: &mut fastrand::Rng) -> String {
    match rng.u8(0..3) {
        0 => email.to_ascii_uppercase(),
        1 => {
            let mut out = String::with_capacity(email.len());
            let mut up = true;
            for c in email.chars() {
                out.push(if up { c.to_ascii_uppercase() } else { c });
                up = matches!(c, '.' | '@');
            }
            out
        }
        _ => format!(" {email} "),
    }
}

fn break_email(p: &Person, rng: &mut fastrand::Rng) -> String {
    let local = p.email.split('@').next().unwrap_or("someone");
    match rng.u8(0..5) {
        0 => format!("{local}@"),
        1 => format!("{local}.example.com"),
        2 => format!("{local}@@example.com"),
        3 => format!("{} {}@example.com", p.first, p.last),
        _ => format!("{local}@example,com"),
    }
}

const BAD_PHONES: &[&str] = &[
    "555-01",
    "n/a",
    "12345",
    "call me",
    "(415) 555-01",
    "000",
    "TBD",
];

/// Counts for the summary line.
#[derive(Default)]
struct Counts {
    duplicates: u64,
    invalid: u64,
}

fn write_rows(out: Box<dyn Write>, args: &Args) -> anyhow::Result<Counts> {
    let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, out));
    w.write_record(HEADER)?;
    let mut counts = Counts::default();
    for i in 0..args.rows {
        let mut rng = row_rng(args.seed, i);
        let kind = kind_of(&mut rng, i);
        let mut p = person(&mut rng, i);
        match kind {
            Kind::Clean => {}
            Kind::Duplicate => {
                if let Some(orig) = earlier_clean(args.seed, i, &mut rng) {
                    counts.duplicates += 1;
                    if rng.bool() {
                        p.email = vary_case(&orig.email, &mut rng);
                        p.phone = if rng.bool() { String::new() } else { p.phone };
                    } else {
                        p.phone = reformat(&orig.phone);
                        p.email = if rng.bool() { String::new() } else { p.email };
                    }
                    // Mostly the same person entered twice; sometimes a household or a desk.
                    if rng.u8(0..10) < 7 {
                        (p.first, p.last, p.place) = (orig.first, orig.last, orig.place);
                    }
                }
            }
            Kind::Invalid => {
                counts.invalid += 1;
                if rng.bool() {
                    p.email = break_email(&p, &mut rng);
                    p.phone.clear();
                } else {
                    p.phone = pick(&mut rng, BAD_PHONES).to_owned();
                    p.email.clear();
                }
            }
        }
        let place = p.place;
        w.write_record([
            p.first,
            p.last,
            p.email.as_str(),
            p.phone.as_str(),
            p.company,
            p.address.as_str(),
            place.city,
            place.region,
            place.postal,
            place.country,
            p.dob.as_str(),
            p.tags.as_str(),
        ])?;
    }
    w.flush()?;
    Ok(counts)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.rows > UNIQUE_ROWS {
        eprintln!(
            "gen_contacts: warning: phone numbers repeat past {UNIQUE_ROWS} rows, so the file \
             will hold more duplicates than the planted ones"
        );
    }
    let started = Instant::now();
    let out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(io::stdout().lock()),
    };
    let counts = write_rows(out, &args)?;
    eprintln!(
        "gen_contacts: {} rows (seed {}), {} planted duplicates, {} invalid, {:.2}s",
        args.rows,
        args.seed,
        counts.duplicates,
        counts.invalid,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
