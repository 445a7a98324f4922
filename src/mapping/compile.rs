//! A mapping compiled against one file's headers: column names resolved to indices, value maps
//! folded, policies laid out per field. `Mapping::apply` turns a row's cells into a `Draft`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use super::extras::{Extras, TagRule};
use super::headers::Headers;
use super::spec::{
    DateOrderSpec, DedupeKey, FieldTable, MappingSpec, OnInvalid, SharedPhone, Transform,
};
use super::MappingError;
use crate::contact::{DateOrder, Draft, Policy, Region, Rules, StdField};

/// Where a custom field's value goes: HighLevel takes the field's `id` or its `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomRef {
    /// By field key (e.g. `contact.pincode`).
    Key(String),
    /// By field id.
    Id(String),
}

#[derive(Debug, Clone)]
enum Origin {
    Column(usize),
    Join(Vec<usize>, String),
    FirstOf(Vec<usize>),
    Constant(String),
}

#[derive(Debug, Clone)]
pub(super) struct Rule {
    origin: Origin,
    default: Option<String>,
    transforms: Vec<Transform>,
    /// Keys trimmed and lower-cased.
    map: HashMap<String, String>,
}

/// A compiled mapping, ready for rows.
#[derive(Debug, Clone)]
pub struct Mapping {
    fields: Vec<(StdField, Rule)>,
    /// `[fields] id`: the contact id column.
    contact_id: Option<Rule>,
    split_name: Option<usize>,
    custom: Vec<Rule>,
    /// The custom fields, in the order `Draft::custom` indices refer to.
    pub custom_refs: Vec<CustomRef>,
    tags: TagRule,
    /// Tags to remove, the task, the business.
    extras: Extras,
    note_columns: Vec<(usize, String)>,
    /// Validation settings for `contact::normalise`.
    pub rules: Rules,
    /// Identity keys for dedupe.
    pub dedupe_keys: Vec<DedupeKey>,
    /// What rows sharing a phone but not a person do.
    pub shared_phone: SharedPhone,
}

impl Mapping {
    /// Compiles `spec` against `headers`. `region_override` (from the command line) wins over
    /// the file's `default_region`. `path` is only used in messages.
    pub fn compile(
        spec: &MappingSpec,
        headers: &[String],
        region_override: Option<&str>,
        path: &Path,
    ) -> Result<Mapping, MappingError> {
        let invalid = |message: String| MappingError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let headers = Headers::new(headers);
        let mut rules = Rules::default();
        if let Some(code) = region_override.or(spec.default_region.as_deref()) {
            rules.default_region = Some(Region::from_code(code).ok_or_else(|| {
                invalid(format!(
                    "default_region \"{code}\" is not a region with phone numbering (use an \
                     ISO alpha-2 code such as US, GB, DE)"
                ))
            })?);
        }
        rules.date_order = spec.date_order.map(|order| match order {
            DateOrderSpec::Mdy => DateOrder::MonthFirst,
            DateOrderSpec::Dmy => DateOrder::DayFirst,
        });

        let mut fields = Vec::new();
        for (field, table) in field_tables(spec) {
            let at = |m: String| invalid(format!("[fields] {}: {m}", field.name()));
            if table.key.is_some() || table.id.is_some() {
                return Err(at(
                    "`key` and `id` belong to [[custom_fields]] entries".into()
                ));
            }
            if let Some(p) = table.on_invalid {
                rules.policies[field as usize] = match p {
                    OnInvalid::RejectRow => Policy::RejectRow,
                    OnInvalid::DropField => Policy::DropField,
                };
            }
            fields.push((field, rule(table, &headers).map_err(at)?));
        }

        let contact_id = match &spec.fields.id {
            Some(table) => {
                let at = |m: String| invalid(format!("[fields] id: {m}"));
                let table = &table.0;
                if table.key.is_some() || table.id.is_some() || table.on_invalid.is_some() {
                    return Err(at(
                        "takes a column (a contact id that is not valid rejects the row)".into(),
                    ));
                }
                Some(rule(table, &headers).map_err(at)?)
            }
            None => None,
        };

        let mut custom = Vec::new();
        let mut custom_refs = Vec::new();
        for (i, table) in spec.custom_fields.iter().enumerate() {
            let at = |m: String| invalid(format!("[[custom_fields]] entry {}: {m}", i + 1));
            let reference = match (&table.key, &table.id) {
                (Some(key), None) if !key.trim().is_empty() => CustomRef::Key(key.trim().into()),
                (None, Some(id)) if !id.trim().is_empty() => CustomRef::Id(id.trim().into()),
                _ => return Err(at("give exactly one of `key` or `id`".into())),
            };
            if table.on_invalid.is_some() {
                return Err(at(
                    "`on_invalid` has no effect on custom fields: their values are not \
                     validated locally"
                        .into(),
                ));
            }
            custom.push(rule(table, &headers).map_err(at)?);
            rules.custom_names.push(match &reference {
                CustomRef::Key(key) => format!("customFields.{key}"),
                CustomRef::Id(id) => format!("customFields.{id}"),
            });
            custom_refs.push(reference);
        }

        let find = |section: &str, column: &str| {
            headers
                .find(column)
                .map_err(|m| invalid(format!("{section}: {m}")))
        };
        let split_name = match &spec.split_name {
            Some(s) => Some(find("[split_name]", &s.column)?),
            None => None,
        };
        let tags = TagRule::compile(spec.tags.as_ref(), "[tags]", &headers).map_err(invalid)?;
        let extras = Extras::compile(spec, &headers).map_err(invalid)?;
        let mut note_columns = Vec::new();
        if let Some(notes) = &spec.notes {
            for c in &notes.columns {
                note_columns.push((find("[notes]", c)?, c.trim().to_string()));
            }
        }
        Ok(Mapping {
            fields,
            contact_id,
            split_name,
            custom,
            custom_refs,
            tags,
            extras,
            note_columns,
            rules,
            dedupe_keys: spec.dedupe.keys.clone(),
            shared_phone: spec.dedupe.shared_phone,
        })
    }

    /// Maps one row's cells (missing trailing cells read as empty) to a draft contact.
    pub fn apply<'a>(&'a self, row: u64, cells: &'a [String]) -> Draft<'a> {
        let mut draft = Draft {
            row,
            ..Draft::default()
        };
        for (field, rule) in &self.fields {
            draft.fields[*field as usize] = rule.value(cells);
        }
        draft.contact_id = self.contact_id.as_ref().and_then(|r| r.value(cells));
        if let Some(col) = self.split_name {
            let (first, last) = split_full_name(cell(cells, col));
            for (field, part) in [(StdField::FirstName, first), (StdField::LastName, last)] {
                let slot = &mut draft.fields[field as usize];
                if slot.is_none() && !part.is_empty() {
                    *slot = Some(Cow::Owned(part));
                }
            }
        }
        for (i, rule) in self.custom.iter().enumerate() {
            if let Some(v) = rule.value(cells) {
                draft.custom.push((i, v));
            }
        }
        self.tags.apply(cells, &mut draft.tags);
        // A task's due date keeps HighLevel's month-first reading unless the mapping says.
        let due_order = self.rules.date_order.unwrap_or(DateOrder::MonthFirst);
        self.extras.apply(cells, due_order, &mut draft);
        draft.notes = self.notes(cells);
        draft
    }

    /// The input column a field's value comes from (the first for `join`), so reject files can
    /// highlight the offending cell. `field` is a DTO name or `email/phone` (no identity).
    pub fn column_for(&self, field: &str) -> Option<usize> {
        let of = |f: StdField| {
            self.fields
                .iter()
                .find(|(g, _)| *g == f)
                .and_then(|(_, rule)| match &rule.origin {
                    Origin::Column(c) => Some(*c),
                    Origin::Join(cols, _) | Origin::FirstOf(cols) => cols.first().copied(),
                    Origin::Constant(_) => None,
                })
        };
        if field == "email/phone" {
            return of(StdField::Email).or_else(|| of(StdField::Phone));
        }
        if field == "id" {
            return self
                .contact_id
                .as_ref()
                .and_then(|rule| match &rule.origin {
                    Origin::Column(c) => Some(*c),
                    Origin::Join(cols, _) | Origin::FirstOf(cols) => cols.first().copied(),
                    Origin::Constant(_) => None,
                });
        }
        let std = StdField::from_name(field)?;
        of(std).or(match std {
            StdField::FirstName | StdField::LastName => self.split_name,
            _ => None,
        })
    }

    /// Whether the mapping reads an email or a phone at all. Without one every row would be
    /// rejected as `no_identity`, so a run refuses such a mapping up front (issue 13.7).
    pub fn has_identity(&self) -> bool {
        self.fields
            .iter()
            .any(|(f, _)| matches!(f, StdField::Email | StdField::Phone))
    }

    /// What the mapping's `[tasks]` rule is known by across runs (`task:` and a digest of its
    /// `title` entry), when it has one: delivery keeps one task per contact and rule.
    pub fn task_rule(&self) -> Option<&str> {
        self.extras.task_rule()
    }

    fn notes(&self, cells: &[String]) -> Vec<String> {
        match self.note_columns.as_slice() {
            [] => Vec::new(),
            [(col, _)] => vec![cell(cells, *col).to_string()],
            many => {
                let lines: Vec<String> = many
                    .iter()
                    .filter(|(col, _)| !cell(cells, *col).trim().is_empty())
                    .map(|(col, header)| format!("{header}: {}", cell(cells, *col).trim()))
                    .collect();
                vec![lines.join("\n")]
            }
        }
    }
}

/// A cell as the person wrote it: the `'` that our own reject and export files put before a
/// cell starting with `=`, `+`, `-` or `@` (formula injection) is taken off again, so that such
/// a file re-imports to the same values. A cell that merely starts with `'` is kept.
fn cell(cells: &[String], index: usize) -> &str {
    cells
        .get(index)
        .map_or("", |c| crate::source::unneutralise(c))
}

impl Rule {
    /// The rule's value for a row: borrowed unless a join or a case transform rewrites it.
    pub(super) fn value<'a>(&'a self, cells: &'a [String]) -> Option<Cow<'a, str>> {
        let raw: Cow<'a, str> = match &self.origin {
            Origin::Column(i) => Cow::Borrowed(cell(cells, *i).trim()),
            Origin::Join(cols, sep) => Cow::Owned(
                cols.iter()
                    .map(|c| cell(cells, *c).trim())
                    .filter(|v| !v.is_empty())
                    .collect::<Vec<_>>()
                    .join(sep),
            ),
            Origin::FirstOf(cols) => Cow::Borrowed(
                cols.iter()
                    .map(|c| cell(cells, *c).trim())
                    .find(|v| !v.is_empty())
                    .unwrap_or(""),
            ),
            Origin::Constant(v) => Cow::Borrowed(v.as_str()),
        };
        let raw = if raw.is_empty() {
            Cow::Borrowed(self.default.as_deref()?)
        } else {
            raw
        };
        // Most rules have no value map: skip the lower-casing that only a lookup needs (it was
        // ~0.5 s of worker CPU per million rows).
        let mapped = (!self.map.is_empty())
            .then(|| self.map.get(&raw.trim().to_lowercase()))
            .flatten();
        let mut v = match mapped {
            Some(mapped) => Cow::Borrowed(mapped.as_str()),
            None => raw,
        };
        for t in &self.transforms {
            v = match (t, v) {
                (Transform::Trim, Cow::Borrowed(b)) => Cow::Borrowed(b.trim()),
                (Transform::Trim, Cow::Owned(o)) => Cow::Owned(o.trim().to_string()),
                (Transform::Lower, v) => Cow::Owned(v.to_lowercase()),
                (Transform::Upper, v) => Cow::Owned(v.to_uppercase()),
                (Transform::Title, v) => Cow::Owned(title_case(&v)),
            };
        }
        (!v.trim().is_empty()).then_some(v)
    }
}

pub(super) fn rule(table: &FieldTable, headers: &Headers) -> Result<Rule, String> {
    let find_all = |cols: &[String]| -> Result<Vec<usize>, String> {
        cols.iter().map(|c| headers.find(c)).collect()
    };
    let origin = match (&table.column, &table.join, &table.first_of, &table.value) {
        (Some(c), None, None, None) => Origin::Column(headers.find(c)?),
        (None, Some(cols), None, None) if !cols.is_empty() => Origin::Join(
            find_all(cols)?,
            table.separator.clone().unwrap_or_else(|| " ".into()),
        ),
        (None, None, Some(cols), None) if !cols.is_empty() => Origin::FirstOf(find_all(cols)?),
        (None, None, None, Some(v)) => Origin::Constant(v.to_string()),
        (None, None, None, None) => {
            return Err("needs one of `column`, `join`, `first_of` or `value`".into())
        }
        _ => {
            return Err(
                "give only one of `column`, `join`, `first_of` (non-empty lists) or `value`".into(),
            )
        }
    };
    if table.separator.is_some() && table.join.is_none() {
        return Err("`separator` only goes with `join`".into());
    }
    let map = table
        .map
        .iter()
        .flatten()
        .map(|(k, v)| (k.trim().to_lowercase(), v.to_string()))
        .collect();
    Ok(Rule {
        origin,
        default: table.default.as_ref().map(ToString::to_string),
        transforms: table.transform.clone(),
        map,
    })
}

/// The standard field entries of a mapping, in DTO order.
pub(crate) fn field_tables(spec: &MappingSpec) -> Vec<(StdField, &FieldTable)> {
    spec.fields.tables().collect()
}

/// "Ann Marie Lee" → ("Ann Marie", "Lee"); "Lee, Ann" → ("Ann", "Lee"); "Cher" → ("Cher", "").
fn split_full_name(full: &str) -> (String, String) {
    let full = full.trim();
    if let Some((last, first)) = full.split_once(',') {
        return (first.trim().to_string(), last.trim().to_string());
    }
    match full.rsplit_once(char::is_whitespace) {
        Some((first, last)) => (first.trim().to_string(), last.trim().to_string()),
        None => (full.to_string(), String::new()),
    }
}

fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = c.is_whitespace() || c == '-' || c == '\'';
    }
    out
}

#[cfg(test)]
mod tests;
