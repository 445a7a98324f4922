//! The task lifecycle calls beyond create and list (those are in `calls`): updating a task in
//! place and marking it done or open. Both are `PUT`s that set a state, so a lost answer may be
//! resent: sending the same values twice leaves the task as once.

use super::calls::Effect;
use super::client::Client;
use super::models::{Task, TaskEnvelope};
use super::ApiError;
use serde::Serialize;

/// `PUT /contacts/{id}/tasks/{taskId}` (`UpdateTaskBody`, every field optional). `completed`
/// is never sent here: it has its own endpoint, so that an update of the due date cannot
/// reopen a task someone completed in HighLevel.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskUpdate<'a> {
    /// The title.
    pub title: &'a str,
    /// The description; left out (unchanged) when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<&'a str>,
    /// ISO 8601 instant.
    pub due_date: &'a str,
    /// The user the task is assigned to; left out (unchanged) when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<&'a str>,
}

/// `PUT …/completed` (`UpdateTaskStatusParams`).
#[derive(Debug, Clone, Serialize)]
struct CompletedBody {
    completed: bool,
}

impl Client {
    /// `PUT /contacts/{id}/tasks/{taskId}`: the task as it is afterwards.
    pub async fn update_task(
        &self,
        contact_id: &str,
        task_id: &str,
        update: &TaskUpdate<'_>,
    ) -> Result<Task, ApiError> {
        let path = format!("/contacts/{contact_id}/tasks/{task_id}");
        let envelope: TaskEnvelope = self
            .send_with(
                Effect::Sets,
                "PUT /contacts/{id}/tasks/{taskId}",
                path,
                update,
            )
            .await?;
        Ok(envelope.task)
    }

    /// `PUT /contacts/{id}/tasks/{taskId}/completed`: marks the task done (or open again).
    pub async fn complete_task(
        &self,
        contact_id: &str,
        task_id: &str,
        completed: bool,
    ) -> Result<Task, ApiError> {
        let path = format!("/contacts/{contact_id}/tasks/{task_id}/completed");
        let body = CompletedBody { completed };
        let envelope: TaskEnvelope = self
            .send_with(
                Effect::Sets,
                "PUT /contacts/{id}/tasks/{taskId}/completed",
                path,
                &body,
            )
            .await?;
        Ok(envelope.task)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_leaves_out_what_it_does_not_set_and_never_sends_completed() {
        let update = TaskUpdate {
            title: "Call back",
            body: None,
            due_date: "2026-12-02T12:00:00Z",
            assigned_to: Some("u1"),
        };
        let json = serde_json::to_value(&update).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"title": "Call back", "dueDate": "2026-12-02T12:00:00Z", "assignedTo": "u1"})
        );
        let json = serde_json::to_value(CompletedBody { completed: true }).unwrap();
        assert_eq!(json, serde_json::json!({"completed": true}));
    }
}
