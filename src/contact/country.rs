//! Country names and codes to the ISO alpha-2 codes HighLevel accepts (the 247 of
//! `country_table.rs`). Accepted: the code itself in any case, HighLevel's English name, and the
//! aliases below (common English names, a few native names, alpha-3 codes of frequent
//! countries). Names are compared case-, accent- and punctuation-insensitively.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::country_table::COUNTRIES;
use super::invisible::quoted;
use super::issue::{IssueCode, Problem};

/// Names people write that are not HighLevel's spelling. HighLevel's own list gives the same
/// name to two codes three times ("Congo", "Korea", "Virgin Islands"); those bare names are
/// refused as ambiguous and the qualified names here pick one.
const ALIASES: &[(&str, &str)] = &[
    ("usa", "US"),
    ("us", "US"),
    ("u s a", "US"),
    ("united states of america", "US"),
    ("america", "US"),
    ("uk", "GB"),
    ("u k", "GB"),
    ("united kingdom", "GB"),
    ("great britain", "GB"),
    ("britain", "GB"),
    ("england", "GB"),
    ("scotland", "GB"),
    ("wales", "GB"),
    ("northern ireland", "GB"),
    ("gbr", "GB"),
    ("deutschland", "DE"),
    ("deu", "DE"),
    ("ger", "DE"),
    ("espana", "ES"),
    ("esp", "ES"),
    ("france", "FR"),
    ("fra", "FR"),
    ("italia", "IT"),
    ("ita", "IT"),
    ("nederland", "NL"),
    ("holland", "NL"),
    ("the netherlands", "NL"),
    ("nld", "NL"),
    ("belgique", "BE"),
    ("belgie", "BE"),
    ("schweiz", "CH"),
    ("suisse", "CH"),
    ("svizzera", "CH"),
    ("osterreich", "AT"),
    ("sverige", "SE"),
    ("norge", "NO"),
    ("danmark", "DK"),
    ("suomi", "FI"),
    ("polska", "PL"),
    ("brasil", "BR"),
    ("bra", "BR"),
    ("mexico", "MX"),
    ("mex", "MX"),
    ("can", "CA"),
    ("aus", "AU"),
    ("nzl", "NZ"),
    ("ind", "IN"),
    ("irl", "IE"),
    ("eire", "IE"),
    ("zaf", "ZA"),
    ("south korea", "KR"),
    ("korea republic of", "KR"),
    ("republic of korea", "KR"),
    ("north korea", "KP"),
    ("korea democratic peoples republic of", "KP"),
    ("republic of the congo", "CG"),
    ("congo brazzaville", "CG"),
    ("democratic republic of the congo", "CD"),
    ("dr congo", "CD"),
    ("drc", "CD"),
    ("congo kinshasa", "CD"),
    ("british virgin islands", "VG"),
    ("virgin islands british", "VG"),
    ("us virgin islands", "VI"),
    ("virgin islands us", "VI"),
    ("russia", "RU"),
    ("czechia", "CZ"),
    ("vietnam", "VN"),
    ("laos", "LA"),
    ("syria", "SY"),
    ("libya", "LY"),
    ("iran islamic republic of", "IR"),
    ("ivory coast", "CI"),
    ("cote divoire", "CI"),
    ("north macedonia", "MK"),
    ("eswatini", "SZ"),
    ("turkiye", "TR"),
    ("cabo verde", "CV"),
    ("vatican", "VA"),
    ("vatican city", "VA"),
    ("palestine", "PS"),
    ("brunei", "BN"),
    ("macau", "MO"),
    ("burma", "MM"),
    ("uae", "AE"),
    ("u a e", "AE"),
    ("st kitts and nevis", "KN"),
    ("st lucia", "LC"),
    ("st vincent and the grenadines", "VC"),
    ("falkland islands", "FK"),
    ("micronesia federated states of", "FM"),
    ("moldova republic of", "MD"),
    ("tanzania united republic of", "TZ"),
    ("bolivia plurinational state of", "BO"),
    ("venezuela bolivarian republic of", "VE"),
    // Long forms and older names in lists such as Python Faker's and UN/ISO variants.
    ("slovak republic", "SK"),
    ("kyrgyz republic", "KG"),
    ("pitcairn islands", "PN"),
    ("united states virgin islands", "VI"),
    ("east timor", "TL"),
    ("federated states of micronesia", "FM"),
    ("kingdom of the netherlands", "NL"),
    ("peoples republic of china", "CN"),
    ("republic of ireland", "IE"),
    ("svalbard and jan mayen islands", "SJ"),
];

struct Index {
    /// The codes, upper case: most rows give a code, and the table has 247 of them.
    by_code: HashMap<[u8; 2], &'static str>,
    by_name: HashMap<String, &'static str>,
    ambiguous: HashMap<String, Vec<&'static str>>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut seen: HashMap<String, Vec<&'static str>> = HashMap::new();
        for (code, name) in COUNTRIES.iter() {
            seen.entry(name_key(name)).or_default().push(code);
        }
        let mut by_name = HashMap::new();
        let mut ambiguous = HashMap::new();
        for (key, codes) in seen {
            if codes.len() == 1 {
                by_name.insert(key, codes[0]);
            } else {
                ambiguous.insert(key, codes);
            }
        }
        for (alias, code) in ALIASES {
            by_name.insert(name_key(alias), *code);
        }
        let by_code = COUNTRIES
            .iter()
            .filter_map(|(code, _)| Some((<[u8; 2]>::try_from(code.as_bytes()).ok()?, *code)))
            .collect();
        Index {
            by_code,
            by_name,
            ambiguous,
        }
    })
}

/// Folds a name for comparison: lower case, common accents removed, punctuation dropped,
/// `&` read as "and", whitespace collapsed.
fn name_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            '-' | '_' | '/' | ',' => ' ',
            '&' => {
                out.push_str(" and ");
                continue;
            }
            c if c.is_alphanumeric() || c.is_whitespace() => c,
            _ => continue,
        };
        out.push(c);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A name the index lacks only for a qualifier: a leading "The" ("The Gambia") or a trailing
/// parenthesis ("Slovakia (Slovak Republic)", "Bouvet Island (Bouvetoya)"). The name before the
/// parenthesis must be known and unambiguous, and the parenthesis must not name another
/// country: "Georgia (USA)" is refused rather than read as the country Georgia.
fn without_qualifier(trimmed: &str, index: &Index) -> Option<&'static str> {
    let by_name = |name: &str| index.by_name.get(&name_key(name)).copied();
    if let Some(rest) = trimmed
        .get(..4)
        .filter(|head| head.eq_ignore_ascii_case("the "))
        .and_then(|_| trimmed.get(4..))
    {
        return by_name(rest);
    }
    let (name, qualifier) = trimmed.strip_suffix(')')?.rsplit_once('(')?;
    let code = by_name(name)?;
    let qualifier = qualifier.trim();
    let names_another = <[u8; 2]>::try_from(qualifier.as_bytes())
        .ok()
        .and_then(|two| {
            index
                .by_code
                .get(&two.map(|b| b.to_ascii_uppercase()))
                .copied()
        })
        .or_else(|| by_name(qualifier))
        .is_some_and(|other| other != code);
    (!names_another).then_some(code)
}

/// Normalises a country to its alpha-2 code, or says why it cannot.
pub fn normalise_country(raw: &str) -> Result<&'static str, Problem> {
    let trimmed = raw.trim();
    let index = index();
    if let Ok(two) = <[u8; 2]>::try_from(trimmed.as_bytes()) {
        if let Some(code) = index.by_code.get(&two.map(|b| b.to_ascii_uppercase())) {
            return Ok(code);
        }
    }
    let key = name_key(trimmed);
    if let Some(code) = index.by_name.get(&key) {
        return Ok(code);
    }
    if let Some(code) = without_qualifier(trimmed, index) {
        return Ok(code);
    }
    if let Some(codes) = index.ambiguous.get(&key) {
        return Err(Problem::new(
            IssueCode::CountryInvalid,
            format!(
                "{} could be any of {}: write the code or the full name",
                quoted(trimmed),
                codes.join(", ")
            ),
        ));
    }
    Err(Problem::new(
        IssueCode::CountryInvalid,
        format!(
            "{} is not a country HighLevel knows (use an ISO alpha-2 code)",
            quoted(trimmed)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_whole_and_unique() {
        let mut codes: Vec<_> = COUNTRIES.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 247);
        for (alias, code) in ALIASES {
            assert!(
                codes.contains(code),
                "alias {alias} points at unknown {code}"
            );
        }
    }

    #[test]
    fn codes_names_and_aliases() {
        for (input, want) in [
            ("us", "US"),
            (" De ", "DE"),
            ("XK", "XK"),
            ("United States", "US"),
            ("USA", "US"),
            ("United States of America", "US"),
            ("U.S.A.", "US"),
            ("UK", "GB"),
            ("United Kingdom", "GB"),
            ("Deutschland", "DE"),
            ("andorra", "AD"),
            ("Côte d'Ivoire", "CI"),
            ("Bosnia & Herzegovina", "BA"),
            ("south korea", "KR"),
            ("Guinea-Bissau", "GW"),
        ] {
            assert_eq!(normalise_country(input).unwrap(), want, "{input}");
        }
    }

    /// Names from a list we did not write (Python Faker's `countries`, which a
    /// `customers-100.csv` in the wild was generated from).
    #[test]
    fn long_forms_and_qualified_names() {
        for (input, want) in [
            ("Slovakia (Slovak Republic)", "SK"),
            ("Kyrgyz Republic", "KG"),
            ("Pitcairn Islands", "PN"),
            ("United States Virgin Islands", "VI"),
            ("East Timor", "TL"),
            ("The Gambia", "GM"),
            ("the Bahamas", "BS"),
            ("Antarctica (the territory South of 60 deg S)", "AQ"),
            ("Bouvet Island (Bouvetoya)", "BV"),
            ("British Indian Ocean Territory (Chagos Archipelago)", "IO"),
            ("Svalbard & Jan Mayen Islands", "SJ"),
            ("Congo (Kinshasa)", "CD"),
            ("Virgin Islands (U.S.)", "VI"),
            ("Germany (DE)", "DE"),
        ] {
            assert_eq!(normalise_country(input).ok(), Some(want), "{input}");
        }
        // A parenthesis naming another country, or an unknown or ambiguous name before it.
        for input in [
            "Georgia (USA)",
            "Georgia (US)",
            "Atlantis (Lost)",
            "Korea (North)",
            "The",
        ] {
            assert!(normalise_country(input).is_err(), "{input}");
        }
    }

    #[test]
    fn unknown_and_ambiguous() {
        assert!(normalise_country("Atlantis").is_err());
        assert!(normalise_country("ZZ").is_err());
        let err = normalise_country("Korea").unwrap_err();
        assert!(err.message.contains("KP") && err.message.contains("KR"));
    }
}
