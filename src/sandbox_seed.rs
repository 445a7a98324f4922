//! What a trial location holds besides the sandbox's defaults, shared by `import --sandbox`
//! (seeded from the file and mapping being imported) and the standalone `ghl-bulk sandbox`
//! (seeded from the bundled `mappings/` and `samples/contacts.xlsx`): the custom fields the
//! mappings name, and a few people of the file who already exist, known by another first name
//! and carrying tags of their own, so that a first run shows updates, merges and tags that
//! survive an import. It does not start a sandbox; it fills a [`LocationConfig`].

use std::path::{Path, PathBuf};

use ghl_sandbox::{CustomFieldDef, LocationConfig};
use serde_json::{json, Value};

use crate::ledger::{Ledger, LedgerError};
use crate::pipeline::{PipelineError, ValidateConfig};
use crate::source::SourceOptions;

include!(concat!(env!("OUT_DIR"), "/bundled_mappings.rs"));

/// The sample the README's walk-through imports, and the mapping it imports it with: the
/// standalone sandbox's existing contacts are people of this file.
const SAMPLE: &[u8] = include_bytes!("../samples/contacts.xlsx");
const SAMPLE_MAPPING: &str = "example.toml";

/// How many existing contacts a trial location starts with.
pub const SEEDED: usize = 3;

/// Why the bundled seed could not be made (a bug or a full disk: the files are ours).
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// A bundled mapping does not parse.
    #[error("bundled mapping {0}: {1}")]
    Mapping(String, String),
    /// The scratch folder could not be written.
    #[error("cannot stage the bundled sample in {path}: {source}")]
    Scratch {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Staging the bundled sample failed.
    #[error("cannot stage the bundled sample: {0}")]
    Pipeline(#[from] PipelineError),
    /// Reading the staged rows failed.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// Custom fields and existing contacts to add to a location.
#[derive(Debug, Clone, Default)]
pub struct Seed {
    /// Field keys (`contact.x` or `x`), in the order first named.
    pub field_keys: Vec<String>,
    /// Create bodies of the existing contacts.
    pub contacts: Vec<Value>,
}

impl Seed {
    /// Adds the seed to `location`: each key it lacks as a text field (a key the location
    /// already has keeps its own type), and the contacts.
    pub fn apply(&self, location: &mut LocationConfig) {
        for key in &self.field_keys {
            let bare = key.strip_prefix("contact.").unwrap_or(key);
            let field_key = format!("contact.{bare}");
            if location
                .custom_fields
                .iter()
                .any(|f| f.field_key == field_key)
            {
                continue;
            }
            let n = location.custom_fields.len();
            location.custom_fields.push(CustomFieldDef {
                // 20 characters, as HighLevel's ids.
                id: format!("CfTrial{n:013}"),
                name: title(bare),
                field_key,
                data_type: "TEXT".into(),
                picklist_options: Vec::new(),
                position: 10 + n as u32,
                model: "contact".into(),
                placeholder: String::new(),
            });
        }
        location.contacts.extend(self.contacts.iter().cloned());
    }

    /// Existing contacts: the people of a few of the staged rows (every ninth of the first
    /// 64), under another first name and with tags of their own, one known by phone only as a
    /// contact from a call would be.
    pub fn existing_from(ledger: &Ledger) -> Result<Vec<Value>, LedgerError> {
        let staged = ledger.deliverable(0, 64)?;
        let picks = staged.iter().step_by(9).take(SEEDED);
        Ok(picks
            .enumerate()
            .map(|(n, row)| {
                let payload: Value = serde_json::from_str(&row.payload_json).unwrap_or_default();
                let mut existing = json!({
                    "firstName": payload["firstName"].as_str().map(|f| format!("{f} (old record)")),
                    "tags": ["customer-2019", if n % 2 == 0 { "newsletter" } else { "webinar-2024" }],
                });
                if n == 1 && payload["phone"].is_string() {
                    existing["phone"] = payload["phone"].clone();
                } else {
                    existing["email"] = payload["email"].clone();
                }
                existing
            })
            .collect())
    }
}

/// The seed of the standalone `ghl-bulk sandbox`: every custom field the bundled mappings
/// name, and the existing contacts `import --sandbox` would start with for the bundled
/// sample, so the README's walk-through runs against it as printed.
pub fn bundled() -> Result<Seed, SeedError> {
    let mut field_keys: Vec<String> = Vec::new();
    for (name, text) in BUNDLED_MAPPINGS {
        let spec = crate::mapping::parse(text, Path::new(name))
            .map_err(|e| SeedError::Mapping(name.to_string(), e.to_string()))?;
        for key in spec.custom_fields.iter().filter_map(|f| f.key.as_deref()) {
            if !field_keys.iter().any(|k| k == key) {
                field_keys.push(key.to_string());
            }
        }
    }
    Ok(Seed {
        field_keys,
        contacts: sample_contacts()?,
    })
}

/// Stages the bundled sample in a scratch folder, as `validate` would, and picks from it.
fn sample_contacts() -> Result<Vec<Value>, SeedError> {
    let scratch = std::env::temp_dir().join(format!(
        "ghl-bulk-sandbox-seed-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    let result = stage_sample(&scratch);
    // A scratch folder left behind is litter, not a failure.
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn stage_sample(scratch: &Path) -> Result<Vec<Value>, SeedError> {
    let io = |source| SeedError::Scratch {
        path: scratch.to_path_buf(),
        source,
    };
    std::fs::create_dir_all(scratch).map_err(io)?;
    let input = scratch.join("contacts.xlsx");
    std::fs::write(&input, SAMPLE).map_err(io)?;
    let text = BUNDLED_MAPPINGS
        .iter()
        .find(|(name, _)| *name == SAMPLE_MAPPING)
        .map(|(_, text)| *text)
        .ok_or_else(|| SeedError::Mapping(SAMPLE_MAPPING.into(), "not bundled".into()))?;
    let mapping_path = scratch.join(SAMPLE_MAPPING);
    std::fs::write(&mapping_path, text).map_err(io)?;
    let mapping = crate::mapping::load(&mapping_path)
        .map_err(|e| SeedError::Mapping(SAMPLE_MAPPING.into(), e.to_string()))?;
    let source = SourceOptions {
        sheet: mapping.spec.source.sheet.clone(),
        ..SourceOptions::default()
    };
    let run_dir = scratch.join("run");
    crate::pipeline::run(&ValidateConfig {
        input,
        mapping,
        source,
        region: None,
        run_dir: run_dir.clone(),
        progress: false,
        print_summary: false,
        command: "validate".into(),
        options_json: json!({"command": "validate"}).to_string(),
        location_column: None,
        stop: crate::pipeline::stop_requested,
    })?;
    let ledger = Ledger::open(&run_dir.join("ledger.db"))?;
    Ok(Seed::existing_from(&ledger)?)
}

/// `membership_level` as `Membership Level`.
fn title(key: &str) -> String {
    key.split(['_', '-', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mapping_of_the_repository_is_bundled() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let bundled: Vec<&str> = BUNDLED_MAPPINGS.iter().map(|(n, _)| *n).collect();
        assert_eq!(bundled, on_disk);
    }

    #[test]
    fn the_bundled_seed_has_every_mappings_fields_and_a_few_people_of_the_sample() {
        let seed = bundled().unwrap();
        for key in [
            "contact.membership_level",
            "contact.previous_contact_id",
            "contact.lead_score",
        ] {
            assert!(seed.field_keys.iter().any(|k| k == key), "{key}");
        }
        assert_eq!(seed.contacts.len(), SEEDED);
        let mut location = LocationConfig::new(ghl_sandbox::DEFAULT_LOCATION_ID);
        let defaults = location.custom_fields.len();
        seed.apply(&mut location);
        // lead_score is one of the sandbox's defaults: kept as it is (a number field).
        let lead: Vec<_> = location
            .custom_fields
            .iter()
            .filter(|f| f.field_key == "contact.lead_score")
            .collect();
        assert_eq!(lead.len(), 1);
        assert_eq!(lead[0].data_type, "NUMERICAL");
        assert!(location.custom_fields.len() > defaults);
        assert!(location.custom_fields.iter().all(|f| f.id.len() == 20));
        assert_eq!(location.contacts.len(), SEEDED);
        assert!(seed
            .contacts
            .iter()
            .all(|c| c["tags"][0] == "customer-2019"));
    }
}
