//! The export's columns: the default layout (standard fields, tags joined, custom fields by
//! name and key) and an import mapping read in reverse, so that export → edit → import
//! round-trips. Turns one search contact into the row's cells. No I/O.

use std::collections::HashMap;

use super::ExportError;
use crate::api::models::CustomFieldDef;
use crate::api::RelatedKind;
use crate::contact::StdField;
use crate::mapping::spec::{FieldTable, MappingSpec, Scalar};

mod fill;

/// Where a column's value comes from.
#[derive(Debug, Clone)]
enum Source {
    /// The contact id.
    Id,
    /// A standard field, by its DTO name.
    Std(StdField),
    /// Every tag, joined with the separator.
    Tags(String),
    /// A custom field: index into the layout's definitions.
    Custom(usize),
    /// "Last, First" for a mapping's `[split_name]` column (the comma form splits back exactly,
    /// even for a last name with spaces such as "van der Berg").
    SplitName,
    /// The contact's notes (with `--with-notes`).
    Notes,
    /// How many records of a kind the contact has (with `--with-tasks` / `--with-appointments`).
    Count(RelatedKind),
    /// The open task due first.
    NextTask,
    /// The next appointment ahead.
    NextAppointment,
    /// `dateAdded` / `dateUpdated`, as the API gives them.
    Date(&'static str),
    /// A column the mapping reads but that must stay empty on export (a second `join` or
    /// `first_of` column, a note column: writing notes there would create them again).
    Empty,
}

#[derive(Debug, Clone)]
struct Column {
    header: String,
    source: Source,
    /// A mapping's value map reversed: the stored value (lower case) → the cell that maps to it.
    reverse: HashMap<String, String>,
}

/// The columns of one export and how each is filled.
#[derive(Debug, Clone)]
pub struct Layout {
    columns: Vec<Column>,
    defs: Vec<CustomFieldDef>,
    /// Custom field id → index in `defs`.
    by_id: HashMap<String, usize>,
    /// "Now" for the next-appointment column, fixed once so every row reads the same instant.
    now_ms: i64,
}

/// The default layout's standard columns: header, field.
const DEFAULT_FIELDS: &[(&str, StdField)] = &[
    ("First Name", StdField::FirstName),
    ("Last Name", StdField::LastName),
    ("Email", StdField::Email),
    ("Phone", StdField::Phone),
    ("Company Name", StdField::CompanyName),
    ("Address", StdField::Address1),
    ("City", StdField::City),
    ("State", StdField::State),
    ("Postal Code", StdField::PostalCode),
    ("Country", StdField::Country),
    ("Timezone", StdField::Timezone),
    ("Website", StdField::Website),
    ("Date of Birth", StdField::DateOfBirth),
    ("Source", StdField::Source),
    ("Assigned To", StdField::AssignedTo),
    ("DND", StdField::Dnd),
];

impl Layout {
    /// Contact Id, the standard fields, Date Added/Updated, Tags, one column per custom field
    /// headed "Name (contact.key)", then for each related kind asked for: Notes (their text);
    /// Tasks and Next Task; Appointments and Next Appointment.
    pub fn standard(defs: &[CustomFieldDef], kinds: &[RelatedKind]) -> Layout {
        let mut layout = Layout::empty(defs);
        layout.push("Contact Id", Source::Id);
        for (header, field) in DEFAULT_FIELDS {
            layout.push(header, Source::Std(*field));
        }
        layout.push("Date Added", Source::Date("dateAdded"));
        layout.push("Date Updated", Source::Date("dateUpdated"));
        layout.push("Tags", Source::Tags(", ".into()));
        for (i, def) in layout.defs.clone().iter().enumerate() {
            let header = if def.field_key.is_empty() {
                def.name.clone()
            } else {
                format!("{} ({})", def.name, def.field_key)
            };
            layout.push(&header, Source::Custom(i));
        }
        layout.push_related(kinds, "");
        layout
    }

    /// The related columns, in `RelatedKind::ALL` order, headers prefixed with `prefix`.
    fn push_related(&mut self, kinds: &[RelatedKind], prefix: &str) {
        let named = |plain: &str, snake: &str| {
            if prefix.is_empty() {
                plain.to_string()
            } else {
                format!("{prefix}{snake}")
            }
        };
        for kind in RelatedKind::ALL.iter().filter(|k| kinds.contains(k)) {
            match kind {
                RelatedKind::Notes => self.push(&named("Notes", "notes"), Source::Notes),
                RelatedKind::Tasks => {
                    self.push(&named("Tasks", "tasks"), Source::Count(*kind));
                    self.push(&named("Next Task", "next_task"), Source::NextTask);
                }
                RelatedKind::Appointments => {
                    self.push(&named("Appointments", "appointments"), Source::Count(*kind));
                    self.push(
                        &named("Next Appointment", "next_appointment"),
                        Source::NextAppointment,
                    );
                }
            }
        }
    }

    /// The same layout with "now" (for the next appointment) set to `now_ms`.
    pub fn at(mut self, now_ms: i64) -> Layout {
        self.now_ms = now_ms;
        self
    }

    /// The columns an import mapping reads, each filled so that importing the file with the
    /// same mapping sends back the values the contact has. `_contact_id` (and `_notes`,
    /// `_tasks`, `_next_task`, `_appointments`, `_next_appointment` for the related kinds asked
    /// for) are added: import never reads `_` columns.
    pub fn from_mapping(
        spec: &MappingSpec,
        defs: &[CustomFieldDef],
        kinds: &[RelatedKind],
    ) -> Result<Layout, ExportError> {
        let mut layout = Layout::empty(defs);
        layout.push("_contact_id", Source::Id);
        // `[fields] id` naming a column of its own (not `_contact_id`): the id goes there too.
        if let Some(column) = spec.fields.id.as_ref().and_then(|f| f.0.column.as_deref()) {
            if column.trim() != "_contact_id" {
                layout.push(column, Source::Id);
            }
        }
        for (field, table) in spec_fields(spec) {
            layout.push_table(table, Source::Std(field));
        }
        if let Some(split) = &spec.split_name {
            layout.push(&split.column, Source::SplitName);
        }
        for table in &spec.custom_fields {
            let wanted = table.key.as_deref().or(table.id.as_deref()).unwrap_or("");
            let index = find_def(defs, table).ok_or_else(|| ExportError::Mapping {
                message: format!(
                    "custom field '{wanted}' is not a custom field of the location; its fields \
                     are: {}",
                    defs.iter()
                        .map(|d| format!("{} ({})", d.field_key, d.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })?;
            layout.push_table(table, Source::Custom(index));
        }
        if let Some(tags) = &spec.tags {
            let delimiter = tags.delimiter.clone().unwrap_or_else(|| ",".into());
            // "a, b" reads back as "a" and "b" (import trims each piece) and is easier to read.
            let joiner = if delimiter.trim().is_empty() || delimiter.ends_with(' ') {
                delimiter
            } else {
                format!("{delimiter} ")
            };
            for (n, column) in tags.columns.iter().enumerate() {
                let source = if n == 0 {
                    Source::Tags(joiner.clone())
                } else {
                    Source::Empty
                };
                layout.push(column, source);
            }
        }
        if let Some(notes) = &spec.notes {
            for column in &notes.columns {
                layout.push(column, Source::Empty);
            }
        }
        layout.push_related(kinds, "_");
        Ok(layout)
    }

    fn empty(defs: &[CustomFieldDef]) -> Layout {
        let by_id = defs
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i))
            .collect();
        Layout {
            columns: Vec::new(),
            defs: defs.to_vec(),
            by_id,
            now_ms: crate::run::clock::now().timestamp_millis(),
        }
    }

    /// Adds a column unless one with the same header exists (two mapping entries reading one
    /// column read the same cell, so the first writer's value serves both).
    fn push(&mut self, header: &str, source: Source) {
        self.push_with(header, source, HashMap::new());
    }

    fn push_with(&mut self, header: &str, source: Source, reverse: HashMap<String, String>) {
        let header = header.trim();
        if header.is_empty() || self.columns.iter().any(|c| c.header == header) {
            return;
        }
        self.columns.push(Column {
            header: header.to_string(),
            source,
            reverse,
        });
    }

    /// A mapping entry: `column` gets the value; the first of `join` / `first_of` gets the
    /// whole value and the others stay empty (a join of one non-empty cell is that cell; the
    /// first non-empty cell is the first). `value` (a constant) has no column.
    fn push_table(&mut self, table: &FieldTable, source: Source) {
        let reverse: HashMap<String, String> = table
            .map
            .iter()
            .flatten()
            .rev() // the first key wins when several map to one value
            .map(|(cell, to)| (scalar_text(to).to_lowercase(), cell.clone()))
            .collect();
        if let Some(column) = &table.column {
            self.push_with(column, source, reverse);
        } else if let Some(columns) = table.join.as_ref().or(table.first_of.as_ref()) {
            for (n, column) in columns.iter().enumerate() {
                if n == 0 {
                    self.push_with(column, source.clone(), reverse.clone());
                } else {
                    self.push(column, Source::Empty);
                }
            }
        }
    }

    /// The header row.
    pub fn headers(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.header.as_str()).collect()
    }

    /// The custom field definitions the layout resolves ids with.
    pub fn defs(&self) -> &[CustomFieldDef] {
        &self.defs
    }
}

fn scalar_text(scalar: &Scalar) -> String {
    scalar.to_string()
}

/// A mapping's custom field entry resolved as the import resolves it: by id, or by key (with
/// or without `contact.`), then by name.
fn find_def(defs: &[CustomFieldDef], table: &FieldTable) -> Option<usize> {
    if let Some(id) = table.id.as_deref().map(str::trim) {
        return defs.iter().position(|d| d.id == id);
    }
    let key = table.key.as_deref()?.trim();
    let bare = key.strip_prefix("contact.").unwrap_or(key);
    defs.iter()
        .position(|d| d.field_key.strip_prefix("contact.").unwrap_or(&d.field_key) == bare)
        .or_else(|| defs.iter().position(|d| d.name.eq_ignore_ascii_case(key)))
        .or_else(|| defs.iter().position(|d| d.id == key))
}

/// The standard field entries of a mapping, in DTO order (as the import compiles them).
fn spec_fields(spec: &MappingSpec) -> Vec<(StdField, &FieldTable)> {
    crate::mapping::field_tables(spec)
}

#[cfg(test)]
#[path = "columns_tests.rs"]
mod tests;
