//! One contact into the export's row: each column's cell (standard fields through the
//! mapping's reverse value map, tags joined, custom fields, related lists digested), and the
//! JSONL record.

use serde_json::Value;

use super::super::cells::{custom_value, std_value, text, value_text};
use super::super::digest::{next_appointment, next_task};
use super::super::related::Related;
use super::{Column, Layout, Source};
use crate::api::RelatedKind;

impl Layout {
    /// The cells of one contact, into `out` (cleared first; its strings are reused).
    pub fn render(&self, contact: &Value, related: Option<&Related>, out: &mut Vec<String>) {
        out.resize(self.columns.len(), String::new());
        for (cell, column) in out.iter_mut().zip(&self.columns) {
            cell.clear();
            self.fill(cell, contact, related, column);
        }
    }

    fn fill(&self, cell: &mut String, contact: &Value, related: Option<&Related>, column: &Column) {
        let list = |kind| related.and_then(|r| r.get(kind)).unwrap_or_default();
        match &column.source {
            Source::Id => cell.push_str(text(contact, "id")),
            Source::Std(field) => {
                let value = std_value(contact, *field);
                match column.reverse.get(&value.to_lowercase()) {
                    Some(original) if !value.is_empty() => cell.push_str(original),
                    _ => cell.push_str(&value),
                }
            }
            Source::Tags(joiner) => {
                if let Some(tags) = contact.get("tags").and_then(Value::as_array) {
                    let tags: Vec<&str> = tags.iter().filter_map(Value::as_str).collect();
                    cell.push_str(&tags.join(joiner));
                }
            }
            Source::Custom(index) => {
                let id = self.defs.get(*index).map_or("", |d| d.id.as_str());
                if let Some(value) = custom_value(contact, id) {
                    let value = value_text(value);
                    match column.reverse.get(&value.to_lowercase()) {
                        Some(original) if !value.is_empty() => cell.push_str(original),
                        _ => cell.push_str(&value),
                    }
                }
            }
            Source::SplitName => {
                let (first, last) = (text(contact, "firstName"), text(contact, "lastName"));
                match (first.is_empty(), last.is_empty()) {
                    (false, false) => {
                        cell.push_str(last);
                        cell.push_str(", ");
                        cell.push_str(first);
                    }
                    (false, true) => cell.push_str(first),
                    // "Lee," splits to first "" and last "Lee".
                    (true, false) => {
                        cell.push_str(last);
                        cell.push(',');
                    }
                    (true, true) => {}
                }
            }
            Source::Notes => {
                for (n, note) in list(RelatedKind::Notes).iter().enumerate() {
                    if n > 0 {
                        cell.push_str("\n\n");
                    }
                    cell.push_str(text(note, "body").trim());
                }
            }
            Source::Count(kind) => {
                if related.and_then(|r| r.get(*kind)).is_some() {
                    cell.push_str(&list(*kind).len().to_string());
                }
            }
            Source::NextTask => cell.push_str(&next_task(list(RelatedKind::Tasks))),
            Source::NextAppointment => cell.push_str(&next_appointment(
                list(RelatedKind::Appointments),
                self.now_ms,
            )),
            Source::Date(key) => cell.push_str(text(contact, key)),
            Source::Empty => {}
        }
    }

    /// The contact for a JSONL line: as the API returned it, less the paging cursor, with
    /// custom fields named by key and name instead of their ids, and the related lists asked
    /// for (`notes`, `tasks`, `appointments`) as the API returned them.
    pub fn json_record(&self, contact: &Value, related: Option<&Related>) -> Value {
        let mut record = contact.clone();
        if let Value::Object(map) = &mut record {
            map.remove("searchAfter");
            if let Some(Value::Array(fields)) = map.get("customFields") {
                let named: Vec<Value> = fields
                    .iter()
                    .map(|field| {
                        let id = field.get("id").and_then(Value::as_str).unwrap_or("");
                        let value = field.get("value").cloned().unwrap_or(Value::Null);
                        match self.by_id.get(id).and_then(|&i| self.defs.get(i)) {
                            Some(def) => serde_json::json!({
                                "key": def.field_key, "name": def.name, "value": value
                            }),
                            // A field the location no longer lists: its id is all there is.
                            None => serde_json::json!({ "id": id, "value": value }),
                        }
                    })
                    .collect();
                map.insert("customFields".into(), Value::Array(named));
            }
            for (kind, items) in related.into_iter().flat_map(Related::lists) {
                map.insert(kind.name().into(), Value::Array(items.to_vec()));
            }
        }
        record
    }
}
