//! A contact's related records — notes, tasks and appointments — as stored, as the API renders
//! them (`GetNoteSchema`, `TaskSchema`, `GetEventSchema`), and appointments as a fixture gives
//! them.
//!
//! Notes and tasks also keep a `dateUpdated` that a `PUT` moves. The spec's note and task
//! objects have no such field, so the API does not show it (the conformance test closes those
//! schemas); it shows in `/_sandbox/snapshot`, where a test can see that an edit happened.

use crate::normalise;
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// A note on a contact.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Note {
    pub id: String,
    pub body: String,
    pub user_id: Option<String>,
    pub title: Option<String>,
    pub color: Option<String>,
    pub pinned: bool,
    pub date_added: i64,
    /// Snapshots written before notes could be edited lack it: read as 0, shown as dateAdded.
    #[serde(default)]
    pub date_updated: i64,
    pub contact_id: String,
}

impl Note {
    /// The API object (`GetNoteSchema`).
    pub(crate) fn json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("body".into(), json!(self.body));
        put(&mut m, "userId", self.user_id.as_ref());
        m.insert(
            "dateAdded".into(),
            json!(normalise::iso_ms(self.date_added)),
        );
        m.insert("contactId".into(), json!(self.contact_id));
        put(&mut m, "title", self.title.as_ref());
        put(&mut m, "color", self.color.as_ref());
        m.insert("pinned".into(), json!(self.pinned));
        Value::Object(m)
    }

    /// The API object plus `dateUpdated`, for the admin snapshot.
    pub(crate) fn admin_json(&self) -> Value {
        with_updated(self.json(), self.date_updated.max(self.date_added))
    }
}

/// A task on a contact.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Task {
    pub id: String,
    pub title: String,
    pub body: Option<String>,
    pub assigned_to: Option<String>,
    /// As the client sent it (HighLevel echoes an ISO string).
    pub due_date: String,
    pub completed: bool,
    pub contact_id: String,
    /// Creation time; older snapshots lack it (0).
    #[serde(default)]
    pub date_added: i64,
    /// Last write; older snapshots lack it (0).
    #[serde(default)]
    pub date_updated: i64,
}

impl Task {
    /// The API object (`TaskSchema`).
    pub(crate) fn json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("title".into(), json!(self.title));
        put(&mut m, "body", self.body.as_ref());
        put(&mut m, "assignedTo", self.assigned_to.as_ref());
        m.insert("dueDate".into(), json!(self.due_date));
        m.insert("completed".into(), json!(self.completed));
        m.insert("contactId".into(), json!(self.contact_id));
        Value::Object(m)
    }

    /// The API object plus `dateUpdated`, for the admin snapshot.
    pub(crate) fn admin_json(&self) -> Value {
        with_updated(self.json(), self.date_updated)
    }
}

/// An appointment (calendar event) of a contact. HighLevel books these through the calendars
/// API; the contacts API only lists them, so the sandbox gets them from fixtures and
/// `--generate`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Appointment {
    pub id: String,
    pub calendar_id: String,
    pub status: String,
    pub title: String,
    pub assigned_user_id: Option<String>,
    pub notes: Option<String>,
    pub start_time: i64,
    pub end_time: i64,
    pub address: Option<String>,
    pub location_id: String,
    pub contact_id: String,
    pub group_id: Option<String>,
    pub appointment_status: String,
    pub users: Vec<String>,
    pub date_added: i64,
    pub date_updated: i64,
    pub assigned_resources: Vec<String>,
}

/// Times as the spec's example writes them (`2021-07-16 11:00:00`: no zone, read as UTC here).
/// Third-party copies of the docs show ISO 8601 instead; a client should read both.
pub(crate) fn event_time(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Reads an appointment time: the spec's `YYYY-MM-DD HH:MM:SS` (UTC), or what
/// [`normalise::parse_instant`] reads.
fn parse_event_time(v: &Value) -> Option<i64> {
    if let Some(s) = v.as_str() {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S") {
            return Some(t.and_utc().timestamp_millis());
        }
    }
    normalise::parse_instant(v)
}

impl Appointment {
    /// The API object (`GetEventSchema`).
    pub(crate) fn json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("calendarId".into(), json!(self.calendar_id));
        m.insert("status".into(), json!(self.status));
        m.insert("title".into(), json!(self.title));
        put(&mut m, "assignedUserId", self.assigned_user_id.as_ref());
        put(&mut m, "notes", self.notes.as_ref());
        m.insert("startTime".into(), json!(event_time(self.start_time)));
        m.insert("endTime".into(), json!(event_time(self.end_time)));
        put(&mut m, "address", self.address.as_ref());
        m.insert("locationId".into(), json!(self.location_id));
        m.insert("contactId".into(), json!(self.contact_id));
        put(&mut m, "groupId", self.group_id.as_ref());
        m.insert("appointmentStatus".into(), json!(self.appointment_status));
        m.insert("users".into(), json!(self.users));
        m.insert("dateAdded".into(), json!(event_time(self.date_added)));
        m.insert("dateUpdated".into(), json!(event_time(self.date_updated)));
        m.insert("assignedResources".into(), json!(self.assigned_resources));
        Value::Object(m)
    }

    /// An appointment from a fixture object in the `GetEventSchema` shape: `contactId` and
    /// `startTime` required; `id` (else `new_id`), `endTime` (else start + 30 min), `title`,
    /// `calendarId`, `status`, the rest optional. Unknown keys are refused, as a typo in a
    /// fixture should not pass silently.
    pub(crate) fn from_fixture(
        v: &Value,
        location: &str,
        new_id: impl FnOnce() -> String,
    ) -> Result<Appointment, String> {
        const KEYS: &[&str] = &[
            "id",
            "calendarId",
            "status",
            "title",
            "assignedUserId",
            "notes",
            "startTime",
            "endTime",
            "address",
            "locationId",
            "contactId",
            "groupId",
            "appointmentStatus",
            "users",
            "dateAdded",
            "dateUpdated",
            "assignedResources",
        ];
        let m = v
            .as_object()
            .ok_or("an appointment must be a JSON object")?;
        if let Some(k) = m.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(format!("unknown appointment key {k:?}"));
        }
        let s = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
        let list = |k: &str| -> Vec<String> {
            m.get(k)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        };
        let contact_id = s("contactId").ok_or("an appointment needs contactId")?;
        let start_time = m
            .get("startTime")
            .and_then(parse_event_time)
            .ok_or("an appointment needs a startTime (YYYY-MM-DD HH:MM:SS or ISO 8601)")?;
        let end_time = m
            .get("endTime")
            .and_then(parse_event_time)
            .unwrap_or(start_time + 30 * 60_000);
        if end_time < start_time {
            return Err("an appointment's endTime is before its startTime".into());
        }
        if s("locationId").is_some_and(|l| l != location) {
            return Err("an appointment's locationId is not its location's".into());
        }
        let status = s("status").unwrap_or_else(|| "booked".into());
        let date_added = m
            .get("dateAdded")
            .and_then(parse_event_time)
            .unwrap_or(start_time);
        Ok(Appointment {
            id: s("id").unwrap_or_else(new_id),
            calendar_id: s("calendarId").unwrap_or_else(|| "SandboxCalendar00001".into()),
            appointment_status: s("appointmentStatus").unwrap_or_else(|| status.clone()),
            status,
            title: s("title").unwrap_or_else(|| "Appointment".into()),
            assigned_user_id: s("assignedUserId"),
            notes: s("notes"),
            start_time,
            end_time,
            address: s("address"),
            location_id: location.to_string(),
            contact_id,
            group_id: s("groupId"),
            users: list("users"),
            date_updated: m
                .get("dateUpdated")
                .and_then(parse_event_time)
                .unwrap_or(date_added),
            date_added,
            assigned_resources: list("assignedResources"),
        })
    }
}

fn put(m: &mut Map<String, Value>, key: &str, v: Option<&String>) {
    if let Some(s) = v {
        m.insert(key.into(), Value::String(s.clone()));
    }
}

fn with_updated(mut v: Value, ms: i64) -> Value {
    if let Value::Object(m) = &mut v {
        m.insert("dateUpdated".into(), json!(normalise::iso_ms(ms)));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_appointments_read_both_time_forms_and_refuse_typos() {
        let a = Appointment::from_fixture(
            &json!({"contactId": "C", "startTime": "2026-03-01 09:30:00", "title": "Demo"}),
            "L",
            || "A1".into(),
        )
        .unwrap();
        assert_eq!(a.id, "A1");
        assert_eq!(a.json()["endTime"], "2026-03-01 10:00:00");
        assert_eq!(a.json()["status"], "booked");
        let b = Appointment::from_fixture(
            &json!({"contactId": "C", "startTime": "2026-03-01T09:30:00Z", "id": "X"}),
            "L",
            || unreachable!("id given"),
        )
        .unwrap();
        assert_eq!(b.start_time, a.start_time);
        assert!(Appointment::from_fixture(
            &json!({"contactId": "C", "startTime": "2026-03-01 09:30:00", "start": 1}),
            "L",
            || "A".into()
        )
        .is_err());
        assert!(Appointment::from_fixture(&json!({"contactId": "C"}), "L", || "A".into()).is_err());
    }
}
