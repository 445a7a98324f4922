//! `GET /locations/{locationId}/customFields?model=contact|opportunity|all`: the location's
//! custom field definitions (no paging, as the real route).

use super::call::Call;
use crate::error::ApiError;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use std::collections::HashMap;

pub(super) async fn custom_fields(
    call: Call,
    Path(location): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    call.answer(|st, ctx| {
        let model = q.get("model").map(String::as_str).unwrap_or("all");
        if !matches!(model, "contact" | "opportunity" | "all") {
            return Err(ApiError::Unprocessable(vec![
                "model must be one of the following values: contact, opportunity, all".into(),
            ]));
        }
        ctx.check_location(&location)?;
        let store = st.read();
        let loc = store
            .locations
            .get(&location)
            .ok_or_else(crate::error::wrong_location)?;
        let fields: Vec<Value> = loc
            .custom_fields
            .iter()
            .filter(|f| model == "all" || f.model == model)
            .map(|f| {
                json!({
                    "id": f.id, "name": f.name, "fieldKey": f.field_key, "placeholder": f.placeholder,
                    "dataType": f.data_type, "position": f.position, "picklistOptions": f.picklist_options,
                    "picklistImageOptions": [], "isAllowedCustomOption": false, "isMultiFileAllowed": false,
                    "maxFileLimit": 0, "locationId": location, "model": f.model,
                })
            })
            .collect();
        Ok((StatusCode::OK, json!({ "customFields": fields })))
    })
}
