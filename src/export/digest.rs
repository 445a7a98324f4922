//! The readable summary cells of `--with-tasks` and `--with-appointments`: the next task to do
//! and the next appointment to attend, from the lists as the API returned them. Times are
//! shown in UTC, the one zone every reader of the file shares.

use serde_json::Value;

use crate::api::parse_event_time;

/// Statuses of an appointment that will not take place.
const CALLED_OFF: &[&str] = &["cancelled", "canceled", "invalid", "noshow"];

fn text<'a>(item: &'a Value, key: &str) -> &'a str {
    item.get(key).and_then(Value::as_str).unwrap_or("").trim()
}

fn utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// The open task due first (overdue ones included: they are the most pressing), as
/// `Title (due 2026-12-01 10:00 UTC)`; a task whose due date does not parse comes after the
/// dated ones. Empty when every task is completed.
pub fn next_task(tasks: &[Value]) -> String {
    let open = tasks
        .iter()
        .filter(|t| t.get("completed").and_then(Value::as_bool) != Some(true));
    let first = open.min_by_key(|t| {
        let due = parse_event_time(text(t, "dueDate"));
        (due.is_none(), due, text(t, "title"), text(t, "id"))
    });
    let Some(task) = first else {
        return String::new();
    };
    let title = match text(task, "title") {
        "" => "Task",
        title => title,
    };
    match parse_event_time(text(task, "dueDate")) {
        Some(due) => format!("{title} (due {})", utc(due)),
        None => title.to_string(),
    }
}

/// The first appointment starting at or after `now_ms` that is not called off, as
/// `Title on 2026-12-01 10:00 UTC (confirmed)`. Empty when none is ahead.
pub fn next_appointment(events: &[Value], now_ms: i64) -> String {
    let status = |e: &Value| -> String {
        let s = text(e, "appointmentStatus");
        if s.is_empty() { text(e, "status") } else { s }.to_lowercase()
    };
    let next = events
        .iter()
        .filter(|e| !CALLED_OFF.contains(&status(e).as_str()))
        .filter_map(|e| Some((parse_event_time(text(e, "startTime"))?, e)))
        .filter(|(start, _)| *start >= now_ms)
        .min_by_key(|(start, e)| (*start, text(e, "id")));
    let Some((start, event)) = next else {
        return String::new();
    };
    let title = match text(event, "title") {
        "" => "Appointment",
        title => title,
    };
    match status(event).as_str() {
        "" => format!("{title} on {}", utc(start)),
        s => format!("{title} on {} ({s})", utc(start)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_next_open_task_overdue_ones_first() {
        let tasks = [
            json!({"id": "a", "title": "Later", "dueDate": "2030-01-01T10:00:00Z", "completed": false}),
            json!({"id": "b", "title": "Done", "dueDate": "2020-01-01T10:00:00Z", "completed": true}),
            json!({"id": "c", "title": "Overdue", "dueDate": "2021-03-04T05:06:00.000Z", "completed": false}),
            json!({"id": "d", "title": "Undated", "dueDate": "soon", "completed": false}),
        ];
        assert_eq!(next_task(&tasks), "Overdue (due 2021-03-04 05:06 UTC)");
        assert_eq!(next_task(&tasks[1..2]), "");
        assert_eq!(next_task(&tasks[3..]), "Undated");
    }

    #[test]
    fn the_next_appointment_ahead_that_is_not_called_off() {
        let now = parse_event_time("2026-06-01 00:00:00").unwrap();
        let events = [
            json!({"id": "1", "title": "Past", "startTime": "2026-05-01 10:00:00", "status": "showed"}),
            json!({"id": "2", "title": "Off", "startTime": "2026-06-02 10:00:00", "status": "cancelled", "appointmentStatus": "cancelled"}),
            json!({"id": "3", "title": "Demo", "startTime": "2026-06-03T09:30:00Z", "appointmentStatus": "confirmed"}),
            json!({"id": "4", "title": "Review", "startTime": "2026-07-01 10:00:00", "status": "booked"}),
        ];
        assert_eq!(
            next_appointment(&events, now),
            "Demo on 2026-06-03 09:30 UTC (confirmed)"
        );
        assert_eq!(next_appointment(&events[..2], now), "");
    }
}
