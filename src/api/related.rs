//! A contact's related lists — notes, tasks, appointments — read one request per contact per
//! kind (HighLevel has no bulk endpoint for any of them, ghl-api.md §2.11), as the objects the
//! API returned (an export keeps every field it was given) or, for appointments, typed
//! (`list_notes` and `list_tasks` are in calls.rs).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{Call, Client};
use super::ApiError;

/// One kind of record listed per contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RelatedKind {
    /// `GET /contacts/{id}/notes` → `{notes}`.
    Notes,
    /// `GET /contacts/{id}/tasks` → `{tasks}`.
    Tasks,
    /// `GET /contacts/{id}/appointments` → `{events}`.
    Appointments,
}

impl RelatedKind {
    /// Every kind, in the order exports add them.
    pub const ALL: [RelatedKind; 3] = [
        RelatedKind::Notes,
        RelatedKind::Tasks,
        RelatedKind::Appointments,
    ];

    /// The statistics label of its list endpoint.
    pub fn endpoint(self) -> &'static str {
        match self {
            RelatedKind::Notes => "GET /contacts/{id}/notes",
            RelatedKind::Tasks => "GET /contacts/{id}/tasks",
            RelatedKind::Appointments => "GET /contacts/{id}/appointments",
        }
    }

    /// The plural name (`notes`, `tasks`, `appointments`), also the JSONL key.
    pub fn name(self) -> &'static str {
        match self {
            RelatedKind::Notes => "notes",
            RelatedKind::Tasks => "tasks",
            RelatedKind::Appointments => "appointments",
        }
    }

    /// The key of the list in the answer (appointments come as `events`).
    fn answer_key(self) -> &'static str {
        match self {
            RelatedKind::Appointments => "events",
            other => other.name(),
        }
    }
}

/// An appointment (calendar event) as `GET /contacts/{id}/appointments` returns it
/// (`GetEventSchema`). Times are strings: the spec's example writes `2021-07-16 11:00:00`,
/// other copies of the docs ISO 8601; see [`parse_event_time`].
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Appointment {
    pub id: String,
    pub calendar_id: Option<String>,
    pub title: Option<String>,
    pub status: Option<String>,
    pub appointment_status: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub assigned_user_id: Option<String>,
    pub notes: Option<String>,
    pub address: Option<String>,
}

/// An appointment or due time as epoch milliseconds: RFC 3339, or `YYYY-MM-DD HH:MM:SS`
/// (the spec's example, no zone: read as UTC, the safer reading of an undocumented zone).
pub fn parse_event_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok())
        .map(|t| t.and_utc().timestamp_millis())
}

impl Client {
    /// `GET /contacts/{id}/{notes|tasks|appointments}`: the list as the API returned it.
    pub async fn list_related(
        &self,
        kind: RelatedKind,
        contact_id: &str,
    ) -> Result<Vec<Value>, ApiError> {
        let mut answer: serde_json::Map<String, Value> = self
            .send(Call::bare(
                kind.endpoint(),
                Method::GET,
                format!("/contacts/{contact_id}/{}", kind.name()),
            ))
            .await?;
        match answer.remove(kind.answer_key()) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(ApiError::Decode {
                endpoint: kind.endpoint(),
                detail: format!("`{}` is not a list: {other}", kind.answer_key()),
            }),
        }
    }

    /// `GET /contacts/{id}/appointments`: the contact's appointments.
    pub async fn list_appointments(&self, contact_id: &str) -> Result<Vec<Appointment>, ApiError> {
        typed(
            RelatedKind::Appointments,
            self.list_related(RelatedKind::Appointments, contact_id)
                .await?,
        )
    }
}

fn typed<T: serde::de::DeserializeOwned>(
    kind: RelatedKind,
    items: Vec<Value>,
) -> Result<Vec<T>, ApiError> {
    items
        .into_iter()
        .map(serde_json::from_value)
        .collect::<Result<_, _>>()
        .map_err(|e| ApiError::Decode {
            endpoint: kind.endpoint(),
            detail: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_times_in_both_documented_forms() {
        let spec = parse_event_time("2021-07-16 11:00:00");
        assert_eq!(spec, parse_event_time("2021-07-16T11:00:00Z"));
        assert_eq!(spec, parse_event_time("2021-07-16T13:00:00+02:00"));
        assert_eq!(spec, Some(1_626_433_200_000));
        assert_eq!(parse_event_time("next week"), None);
    }
}
