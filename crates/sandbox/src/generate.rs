//! `--generate N`: realistic, seeded contacts for export benchmarks — names, unique emails and
//! E.164 phones from five countries, addresses, tags, custom field values, dates of birth, and
//! `dateAdded` spread over the three years before 2026-01-01 (a fixed anchor, so the same seed
//! gives the same contacts on any day). Contacts are built directly, skipping request
//! validation, so 100,000 take well under a second.

use crate::contact::Contact;
use crate::store::Store;
use serde_json::{json, Value};

const FIRST: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Chloé",
    "Zoë",
    "Mohammed",
    "Aisha",
    "Wei",
    "Mei",
    "Oliver",
    "Amelia",
    "Lukas",
    "Hannah",
    "Noah",
    "Olivia",
    "Liam",
    "Emma",
    "Mateo",
    "Sofía",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "O'Brien",
    "Müller",
    "Schmidt",
    "Nguyen",
    "Kim",
    "Patel",
    "Singh",
    "MacDonald",
    "van der Berg",
    "Dubois",
    "Rossi",
    "Kowalski",
];
const DOMAINS: &[&str] = &[
    "example.com",
    "example.org",
    "mail.example.net",
    "test.example.io",
    "corp.example.co.uk",
];
const TAGS: &[&str] = &[
    "customer",
    "lead",
    "vip",
    "newsletter",
    "webinar-2024",
    "trade-show",
    "partner",
    "churned",
];
const SOURCES: &[&str] = &[
    "public api",
    "import",
    "website form",
    "facebook",
    "referral",
];
const COMPANIES: &[&str] = &[
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Ltd",
    "Hooli",
    "Stark Industries",
    "Wayne Enterprises",
];

struct Place {
    country: &'static str,
    cities: &'static [(&'static str, &'static str, &'static str)],
    timezone: &'static str,
}

const PLACES: &[(u32, Place)] = &[
    (
        70,
        Place {
            country: "US",
            cities: &[
                ("Austin", "TX", "78701"),
                ("Boston", "MA", "02108"),
                ("Denver", "CO", "80202"),
                ("Seattle", "WA", "98101"),
                ("Miami", "FL", "33101"),
            ],
            timezone: "America/Chicago",
        },
    ),
    (
        10,
        Place {
            country: "GB",
            cities: &[
                ("London", "England", "SW1A 1AA"),
                ("Manchester", "England", "M1 1AE"),
                ("Edinburgh", "Scotland", "EH1 1YZ"),
            ],
            timezone: "Europe/London",
        },
    ),
    (
        8,
        Place {
            country: "CA",
            cities: &[("Toronto", "ON", "M5H 2N2"), ("Vancouver", "BC", "V6B 1A1")],
            timezone: "America/Toronto",
        },
    ),
    (
        7,
        Place {
            country: "AU",
            cities: &[("Sydney", "NSW", "2000"), ("Melbourne", "VIC", "3000")],
            timezone: "Australia/Sydney",
        },
    ),
    (
        5,
        Place {
            country: "DE",
            cities: &[
                ("Berlin", "Berlin", "10115"),
                ("München", "Bayern", "80331"),
            ],
            timezone: "Europe/Berlin",
        },
    ),
];

/// 2026-01-01T00:00:00Z in epoch ms.
const ANCHOR_MS: i64 = 1_767_225_600_000;
const THREE_YEARS_MS: i64 = 3 * 365 * 86_400_000;

/// A unique E.164 number for contact `i` of `country`.
fn phone(country: &str, i: usize) -> String {
    let line = i % 10_000;
    let exchange = 200 + (i / 10_000) % 800;
    match country {
        "US" => format!(
            "+1{}{exchange:03}{line:04}",
            [512, 617, 303, 206, 305][(i / 8_000_000) % 5]
        ),
        "CA" => format!(
            "+1{}{exchange:03}{line:04}",
            [416, 604][(i / 8_000_000) % 2]
        ),
        "GB" => format!("+447{:09}", 700_000_000 + i % 299_999_999),
        "AU" => format!("+614{:08}", 10_000_000 + i % 89_999_999),
        _ => format!("+49151{:08}", i % 100_000_000),
    }
}

/// Adds `n` generated contacts to `location` (which must exist).
pub(crate) fn contacts(store: &mut Store, location: &str, n: usize) {
    let Some(defs) = store
        .locations
        .get(location)
        .map(|l| l.custom_fields.clone())
    else {
        return;
    };
    let start = store
        .locations
        .get(location)
        .map(|l| l.contacts.len())
        .unwrap_or(0);
    let total_weight: u32 = PLACES.iter().map(|(w, _)| w).sum();
    for k in 0..n {
        let i = start + k;
        let id = store.new_id();
        let rng = store.rng();
        let first = FIRST[rng.usize(..FIRST.len())];
        let last = LAST[rng.usize(..LAST.len())];
        let mut pick = rng.u32(..total_weight);
        let place = PLACES
            .iter()
            .find(|(w, _)| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .map(|(_, p)| p)
            .unwrap_or(&PLACES[0].1);
        let (city, state, postal) = place.cities[rng.usize(..place.cities.len())];
        let local: String = format!("{first}.{last}{i}")
            .to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        let has = rng.u8(..100);
        let email = (has >= 5).then(|| format!("{local}@{}", DOMAINS[rng.usize(..DOMAINS.len())]));
        let phone = (!(5..10).contains(&has)).then(|| phone(place.country, i));
        let mut tags: Vec<String> = (0..rng.usize(..4))
            .map(|_| TAGS[rng.usize(..TAGS.len())].to_string())
            .collect();
        tags.dedup();
        let added = ANCHOR_MS - rng.i64(0..THREE_YEARS_MS);
        let updated = added + rng.i64(0..=(ANCHOR_MS - added));
        let dob = (rng.u8(..100) < 60).then(|| {
            format!(
                "{}-{:02}-{:02}",
                rng.u16(1950..2006),
                rng.u8(1..13),
                rng.u8(1..29)
            )
        });
        let mut custom: Vec<(String, Value)> = Vec::new();
        for d in &defs {
            if rng.u8(..100) >= 70 {
                continue;
            }
            let v = match d.data_type.as_str() {
                "NUMERICAL" | "MONETORY" => json!(rng.u32(..100)),
                "SINGLE_OPTIONS" | "RADIO" if !d.picklist_options.is_empty() => {
                    json!(d.picklist_options[rng.usize(..d.picklist_options.len())])
                }
                "MULTIPLE_OPTIONS" | "CHECKBOX" if !d.picklist_options.is_empty() => {
                    let chosen: Vec<&String> =
                        d.picklist_options.iter().filter(|_| rng.bool()).collect();
                    if chosen.is_empty() {
                        continue;
                    }
                    json!(chosen)
                }
                "TEXT" | "LARGE_TEXT" => json!(format!(
                    "Met at {} event",
                    ["spring", "summer", "autumn", "winter"][rng.usize(..4)]
                )),
                _ => continue,
            };
            custom.push((d.id.clone(), v));
        }
        let c = Contact {
            id,
            location_id: location.to_string(),
            first_name: Some(first.to_string()),
            last_name: Some(last.to_string()),
            email,
            phone,
            address1: Some(format!(
                "{} {} Street",
                rng.u16(1..2000),
                LAST[rng.usize(..LAST.len())]
            )),
            city: Some(city.into()),
            state: Some(state.into()),
            postal_code: Some(postal.into()),
            country: Some(place.country.into()),
            timezone: Some(place.timezone.into()),
            company_name: (rng.u8(..100) < 30)
                .then(|| COMPANIES[rng.usize(..COMPANIES.len())].to_string()),
            source: Some(SOURCES[rng.usize(..SOURCES.len())].into()),
            dnd: rng.u8(..100) < 3,
            tags,
            custom_fields: custom,
            date_of_birth: dob,
            date_added: added,
            date_updated: updated,
            ..Contact::default()
        };
        if let Some(loc) = store.locations.get_mut(location) {
            loc.insert(c);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::LocationConfig;
    use crate::store::Location;

    /// A store of one location, `L`, with `n` contacts generated from `seed`.
    pub(crate) fn store_with(n: usize, seed: u64) -> Store {
        let mut s = Store::new(seed);
        s.locations
            .insert("L".into(), Location::new(&LocationConfig::new("L")));
        contacts(&mut s, "L", n);
        s
    }

    #[test]
    fn generated_contacts_are_seeded_unique_and_valid() {
        let a = store_with(3000, 9);
        let b = store_with(3000, 9);
        assert_eq!(a.dump(None), b.dump(None));
        let loc = &a.locations["L"];
        let mut emails = std::collections::HashSet::new();
        let mut phones = std::collections::HashSet::new();
        for c in loc.contacts.values() {
            assert!(c.email.is_some() || c.phone.is_some());
            if let Some(e) = &c.email {
                assert!(emails.insert(e.clone()), "duplicate email {e}");
            }
            if let Some(p) = &c.phone {
                assert!(phones.insert(p.clone()), "duplicate phone {p}");
                assert_eq!(
                    crate::normalise::phone_e164(p, "US").as_deref(),
                    Some(p.as_str()),
                    "not E.164: {p}"
                );
            }
            assert!(c.date_added <= c.date_updated && c.date_updated <= ANCHOR_MS);
        }
    }
}
