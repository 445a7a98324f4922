//! The error bodies the sandbox answers with, in HighLevel's NestJS style (ghl-api.md §3):
//! `{statusCode, message, error}` plus a `traceId`; `message` is an array on DTO validation (422)
//! and a string elsewhere.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

/// An API error answer. Handlers return it as the `Err` side; it is a response, not a failure of
/// the sandbox.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiError {
    /// 400 with a message.
    BadRequest(String),
    /// 400 for a create (or update) that would duplicate a contact in a location that forbids it.
    Duplicate {
        /// Existing contact.
        contact_id: String,
        /// Its name.
        contact_name: String,
        /// `email` or `phone`.
        matching_field: &'static str,
    },
    /// 401 with a message.
    Unauthorized(String),
    /// 403 with a message.
    Forbidden(String),
    /// 404 for an unknown route (NestJS `Cannot GET /x`).
    NotFound(String),
    /// 422 with an array of validation messages.
    Unprocessable(Vec<String>),
    /// 422 whose message is a plain string. HighLevel answers "Contacts without email, phone,
    /// firstName and lastName are not allowed." this way (probed live, ghl-api.md §2.2), which
    /// contradicts the spec's `UnprocessableDTO` (array); we follow the observation.
    UnprocessableText(String),
}

/// 400 "Contact with id X not found" (the live text; some clients also see 404).
pub(crate) fn contact_not_found(id: &str) -> ApiError {
    ApiError::BadRequest(format!("Contact with id {id} not found"))
}

/// 403 for a token used on another location.
pub(crate) fn wrong_location() -> ApiError {
    ApiError::Forbidden("The token does not have access to this location.".into())
}

impl ApiError {
    /// The HTTP status.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::Duplicate { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Unprocessable(_) | ApiError::UnprocessableText(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
        }
    }

    /// The body, with `trace_id` added.
    pub(crate) fn body(&self, trace_id: &str) -> Value {
        let status = self.status().as_u16();
        let reason = self.status().canonical_reason().unwrap_or("Error");
        match self {
            ApiError::Duplicate {
                contact_id,
                contact_name,
                matching_field,
            } => json!({
                "statusCode": status,
                "message": "This location does not allow duplicated contacts.",
                "error": reason,
                "meta": {
                    "contactId": contact_id,
                    "contactName": contact_name,
                    "matchingField": matching_field,
                },
                "traceId": trace_id,
            }),
            ApiError::Unprocessable(messages) => json!({
                "statusCode": status, "message": messages, "error": reason, "traceId": trace_id,
            }),
            ApiError::BadRequest(m)
            | ApiError::Unauthorized(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::UnprocessableText(m) => json!({
                "statusCode": status, "message": m, "error": reason, "traceId": trace_id,
            }),
        }
    }

    /// The full response.
    pub(crate) fn into_response_with(self, trace_id: &str) -> Response {
        (self.status(), Json(self.body(trace_id))).into_response()
    }
}

/// A 429 body. HighLevel documents the status but not the body (ghl-api.md §3.4); this shape is a
/// guess in the style of the other errors.
pub(crate) fn too_many_requests() -> Value {
    json!({"statusCode": 429, "message": "Too Many Requests"})
}

/// Body of an injected 5xx.
pub(crate) fn server_error(status: StatusCode) -> Value {
    let message = match status.as_u16() {
        500 => "Internal server error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Gateway Timeout",
    };
    json!({"statusCode": status.as_u16(), "message": message})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_messages_are_arrays_and_others_strings() {
        let b = ApiError::Unprocessable(vec!["property gender should not exist".into()]).body("t");
        assert_eq!(b["message"][0], "property gender should not exist");
        assert_eq!(b["error"], "Unprocessable Entity");
        let b = contact_not_found("abc").body("t");
        assert_eq!(b["statusCode"], 400);
        assert_eq!(b["message"], "Contact with id abc not found");
        let b = ApiError::Duplicate {
            contact_id: "x".into(),
            contact_name: "A B".into(),
            matching_field: "email",
        }
        .body("t");
        assert_eq!(b["meta"]["matchingField"], "email");
    }
}
