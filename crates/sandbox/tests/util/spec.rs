//! The OpenAPI files of tests/openapi turned into JSON Schema validators for request and
//! response bodies, with `$ref`s (including `../common/common-schemas.json`) resolved from the
//! local files by a retriever that never touches the network.
//!
//! OpenAPI 3.0 is not JSON Schema: `nullable: true` is rewritten to a `null` type. Where the spec
//! is wrong or silent, the schema is patched here, each patch with its reason:
//! - `UpdateTagsResponseDTO.responses` items are typed `string`; the spec's own example and
//!   ghl-api.md §2.6 show objects → typed as the documented result object.
//! - `dateOfBirth` in the create/update/upsert DTOs is typed `object`, but the values are the
//!   8 date strings the same description lists → `string`.
//! - `NumericField`/`MonetoryField.field_value` are typed `object` with example `100.5` →
//!   `number` (a numeric string is accepted too, as the sandbox does).
//! - A contact's `customFields[].value` is typed `string`; ghl-api.md §2.10 and the search doc
//!   show numbers and arrays → any of string, number, array, object.
//! - Search: HEAD's request and 200 schemas are empty. The 200 is validated against 5f8673c's
//!   `SearchContactSuccessResponseDto`, whose `Contact.searchAfter` items are typed `string`
//!   although the cursor is `[number, id]` (SEARCHDOC) → string or number. 5f8673c's request
//!   schema is empty too, so the request is checked against a schema written from ghl-api.md §2.7.
//! - `GET /contacts/search/duplicate` has no 200 schema → `{contact: GetContectByIdSchema|null}`.
//! - Statuses the spec does not list (403, 404, 429, 5xx, and 400/401 where missing) are checked
//!   against the NestJS error shape of ghl-api.md §3 (`statusCode`, `message`, `error`).
//! - The 422 "Contacts without email, phone, firstName and lastName are not allowed." carries a
//!   string `message` (probed live, ghl-api.md §2.2) where `UnprocessableDTO` says array: for 422
//!   the message may be either.
//!
//! To catch fields the sandbox invents, the GET contact, note, task, event (appointment) and
//! custom-field objects, and the note/task/event wrappers, are additionally closed (`additionalProperties: false`). `CreateContactSchema` (no `name`,
//! no `timezone`: it mirrors one example) and the search `Contact` stay open; the search doc
//! says it carries "most GET fields" without listing them all.

use jsonschema::{Retrieve, Uri, Validator};
use serde_json::{json, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

thread_local! {
    /// Every `(method, route template, status)` whose body has been checked on this thread.
    /// Per thread, because every test of the binary checks bodies: the conformance test's
    /// coverage must count its own checks only (it runs on one thread, a current-thread
    /// runtime), not those of tests beside it.
    pub static CHECKED: RefCell<BTreeSet<(String, String, u16)>> =
        const { RefCell::new(BTreeSet::new()) };
}

/// The folder holding the OpenAPI copies.
pub fn openapi_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/openapi")
        .canonicalize()
        .expect("tests/openapi exists")
}

fn file_uri(rel: &str) -> String {
    format!("file://{}/{rel}", openapi_dir().display())
}

/// OpenAPI 3.0 → JSON Schema: `nullable` becomes a `null` alternative.
fn convert(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for child in m.values_mut() {
                convert(child);
            }
            if m.remove("nullable") == Some(Value::Bool(true)) {
                let inner = Value::Object(std::mem::take(m));
                *m = json!({"anyOf": [inner, {"type": "null"}]})
                    .as_object()
                    .cloned()
                    .unwrap_or_default();
            }
        }
        Value::Array(a) => a.iter_mut().for_each(convert),
        _ => {}
    }
}

fn patch(doc: &mut Value, pointer: &str, value: Value) {
    *doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("spec has no {pointer}")) = value;
}

fn close(doc: &mut Value, schema: &str) {
    let p = format!("/components/schemas/{schema}");
    let s = doc
        .pointer_mut(&p)
        .unwrap_or_else(|| panic!("spec has no {p}"));
    s["additionalProperties"] = json!(false);
}

/// Applies the documented patches to a loaded file.
fn fix(name: &str, doc: &mut Value) {
    let any_value = json!({"type": ["string", "number", "array", "object", "boolean"]});
    match name {
        "apps/contacts.json" | "prev-5f8673c/contacts.json" => {
            patch(
                doc,
                "/components/schemas/UpdateTagsResponseDTO/properties/responses/items",
                json!({
                    "type": "object",
                    "required": ["contactId", "message", "type"],
                    "properties": {
                        "contactId": {"type": "string"}, "message": {"type": "string"},
                        "type": {"enum": ["success", "error"]},
                        "oldTags": {"type": "array", "items": {"type": "string"}},
                        "tagsAdded": {"type": "array", "items": {"type": "string"}},
                        "tagsRemoved": {"type": "array", "items": {"type": "string"}}
                    },
                    "additionalProperties": false
                }),
            );
            for dto in ["CreateContactDto", "UpdateContactDto", "UpsertContactDto"] {
                // 5f8673c's upsert DTO has no dateOfBirth at all.
                let p = format!("/components/schemas/{dto}/properties/dateOfBirth");
                if doc.pointer(&p).is_some() {
                    patch(doc, &p, json!({"type": "string", "nullable": true}));
                }
            }
            for f in ["NumericField", "MonetoryField"] {
                patch(
                    doc,
                    &format!("/components/schemas/{f}/properties/field_value"),
                    json!({"type": ["number", "string"]}),
                );
            }
            patch(
                doc,
                "/components/schemas/CustomFieldSchema/properties/value",
                any_value,
            );
            if name.starts_with("prev") {
                patch(
                    doc,
                    "/components/schemas/Contact/properties/searchAfter/items",
                    json!({"type": ["string", "number"]}),
                );
            } else {
                for s in [
                    "GetContectByIdSchema",
                    "GetNoteSchema",
                    "TaskSchema",
                    "GetEventSchema",
                    "GetCreateUpdateNoteSuccessfulResponseDto",
                    "DeleteNoteSuccessfulResponseDto",
                    "TaskByIsSuccessfulResponseDto",
                    "DeleteTaskSuccessfulResponseDto",
                    "GetEventsSuccessfulResponseDto",
                    "CustomFieldSchema",
                    "ContactsByIdSuccessfulResponseDto",
                    "CreateContactsSuccessfulResponseDto",
                    "UpsertContactsSuccessfulResponseDto",
                    "UpdateContactsSuccessfulResponseDto",
                    "DeleteContactsSuccessfulResponseDto",
                    "UpdateTagsResponseDTO",
                    "ContactsBulkUpateResponse",
                ] {
                    close(doc, s);
                }
            }
        }
        "apps/locations.json" => close(doc, "CustomFieldSchema"),
        "apps/oauth.json" => {
            for s in [
                "GetAccessCodeSuccessfulResponseDto",
                "GetLocationAccessTokenSuccessfulResponseDto",
                "InstalledLocationSchema",
                "GetInstalledLocationsSuccessfulResponseDto",
            ] {
                close(doc, s);
            }
        }
        _ => {}
    }
    convert(doc);
}

fn load(rel: &str) -> Value {
    let path = openapi_dir().join(rel);
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let mut doc: Value = serde_json::from_str(&text).expect("spec is JSON");
    fix(rel, &mut doc);
    doc
}

/// Serves `file://` URIs under tests/openapi, converted and patched; refuses anything else.
struct LocalFiles;

impl Retrieve for LocalFiles {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let s = uri.as_str();
        let root = format!("file://{}/", openapi_dir().display());
        let rel = s
            .strip_prefix(&root)
            .ok_or_else(|| format!("refusing to fetch {s}: only local spec files"))?;
        Ok(load(rel.split('#').next().unwrap_or(rel)))
    }
}

fn validator(schema: Value) -> Validator {
    jsonschema::options()
        .with_retriever(LocalFiles)
        .build(&schema)
        .unwrap_or_else(|e| panic!("schema {schema} does not build: {e}"))
}

fn absolute(schema: &Value, file: &str) -> Value {
    let r = schema
        .get("$ref")
        .and_then(Value::as_str)
        .expect("spec schemas here are $refs");
    let uri = if let Some(local) = r.strip_prefix('#') {
        format!("{}#{local}", file_uri(file))
    } else {
        let common = r.strip_prefix("../").expect("relative ref");
        file_uri(common)
    };
    json!({"$ref": uri})
}

/// One operation's validators.
pub struct Operation {
    pub method: String,
    pub template: String,
    pub request: Option<Validator>,
    /// The query parameters as one closed object (values typed as the spec types them).
    pub query: Validator,
    /// Each query parameter's schema `type`.
    pub query_types: BTreeMap<String, String>,
    pub responses: BTreeMap<u16, Validator>,
}

/// All operations the sandbox serves.
pub struct Spec {
    pub ops: Vec<Operation>,
    error_shape: Validator,
    unprocessable: Validator,
}

/// The operations the sandbox serves, by spec file: `method path` as the spec writes them.
const SANDBOX_ROUTES: &[(&str, &[&str])] = &[
    (
        "apps/contacts.json",
        &[
            "post /contacts/",
            "post /contacts/upsert",
            "get /contacts/{contactId}",
            "put /contacts/{contactId}",
            "delete /contacts/{contactId}",
            "post /contacts/{contactId}/tags",
            "delete /contacts/{contactId}/tags",
            "post /contacts/bulk/tags/update/{type}",
            "post /contacts/bulk/business",
            "post /contacts/search",
            "get /contacts/search/duplicate",
            "get /contacts/{contactId}/notes",
            "post /contacts/{contactId}/notes",
            "get /contacts/{contactId}/notes/{id}",
            "put /contacts/{contactId}/notes/{id}",
            "delete /contacts/{contactId}/notes/{id}",
            "get /contacts/{contactId}/tasks",
            "post /contacts/{contactId}/tasks",
            "get /contacts/{contactId}/tasks/{taskId}",
            "put /contacts/{contactId}/tasks/{taskId}",
            "delete /contacts/{contactId}/tasks/{taskId}",
            "put /contacts/{contactId}/tasks/{taskId}/completed",
            "get /contacts/{contactId}/appointments",
        ],
    ),
    (
        "apps/locations.json",
        &["get /locations/{locationId}/customFields"],
    ),
    (
        "apps/oauth.json",
        &[
            "post /oauth/token",
            "post /oauth/locationToken",
            "get /oauth/installedLocations",
        ],
    ),
];

/// The `in: query` parameters of an operation as one object schema: each parameter's schema
/// under its name, `required` ones required, nothing else allowed.
fn query_schema(op: &Value) -> Value {
    let mut properties = serde_json::Map::new();
    let mut required = Vec::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        if p["in"] != "query" {
            continue;
        }
        let name = p["name"].as_str().expect("parameter name").to_string();
        if p["required"] == true {
            required.push(json!(name));
        }
        properties.insert(name, p["schema"].clone());
    }
    json!({"type": "object", "properties": properties, "required": required, "additionalProperties": false})
}

/// The search request as ghl-api.md §2.7 describes it (both spec revisions leave it empty).
fn search_request_schema() -> Value {
    json!({
        "type": "object",
        "required": ["locationId", "pageLimit"],
        "additionalProperties": false,
        "properties": {
            "locationId": {"type": "string"},
            "pageLimit": {"type": "integer", "minimum": 1, "maximum": 500},
            "page": {"type": "integer", "minimum": 1},
            "searchAfter": {"type": "array"},
            "query": {"type": "string", "maxLength": 75},
            "filters": {"type": "array", "items": {"$ref": "#/$defs/filter"}},
            "sort": {"type": "array", "maxItems": 2, "items": {
                "type": "object", "required": ["field", "direction"],
                "properties": {"field": {"type": "string"}, "direction": {"enum": ["asc", "desc"]}}}}
        },
        "$defs": {"filter": {"oneOf": [
            {"type": "object", "required": ["group", "filters"], "additionalProperties": false,
             "properties": {"group": {"enum": ["AND", "OR"]}, "filters": {"type": "array", "items": {"$ref": "#/$defs/filter"}}}},
            {"type": "object", "required": ["field", "operator"], "additionalProperties": false,
             "properties": {"field": {"type": "string"},
                            "operator": {"enum": ["eq", "not_eq", "contains", "not_contains", "exists", "not_exists", "range"]},
                            "value": {}}}
        ]}}
    })
}

impl Spec {
    /// Loads (once) the validators of every sandbox route.
    pub fn get() -> &'static Spec {
        static SPEC: OnceLock<Spec> = OnceLock::new();
        SPEC.get_or_init(Spec::build)
    }

    fn build() -> Spec {
        let mut ops = Vec::new();
        let routes = SANDBOX_ROUTES.iter().flat_map(|(file, ops)| {
            ops.iter()
                .map(move |op| (*file, op.split_once(' ').expect("`method path`")))
        });
        for (file, (method, path)) in routes {
            let doc = load(file);
            let op = doc
                .pointer(&format!(
                    "/paths/{}/{method}",
                    path.replace('~', "~0").replace('/', "~1")
                ))
                .unwrap_or_else(|| panic!("{method} {path} not in {file}"));
            let request = op
                .pointer("/requestBody/content")
                .and_then(|c| c.as_object())
                .and_then(|c| c.values().next())
                .map(|c| c["schema"].clone());
            let request = if path == "/contacts/search" {
                Some(validator(search_request_schema()))
            } else {
                request.map(|s| validator(absolute(&s, file)))
            };
            let mut responses = BTreeMap::new();
            for (code, r) in op["responses"].as_object().into_iter().flatten() {
                let Ok(code) = code.parse::<u16>() else {
                    continue;
                };
                if let Some(s) = r.pointer("/content/application~1json/schema") {
                    responses.insert(code, validator(absolute(s, file)));
                }
            }
            if path == "/contacts/search" {
                responses.insert(200, validator(json!({"$ref": format!("{}#/components/schemas/SearchContactSuccessResponseDto", file_uri("prev-5f8673c/contacts.json"))})));
            }
            if path == "/contacts/search/duplicate" {
                responses.insert(200, validator(json!({
                    "type": "object", "required": ["contact"], "additionalProperties": false,
                    "properties": {"contact": {"anyOf": [
                        {"$ref": format!("{}#/components/schemas/GetContectByIdSchema", file_uri("apps/contacts.json"))},
                        {"type": "null"}]}}
                })));
            }
            ops.push(Operation {
                method: method.to_uppercase(),
                template: path.to_string(),
                request,
                query: validator(query_schema(op)),
                query_types: op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "query")
                    .map(|p| {
                        (
                            p["name"].as_str().unwrap_or_default().to_string(),
                            p["schema"]["type"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect(),
                responses,
            });
        }
        let error_shape = validator(json!({
            "type": "object", "required": ["statusCode", "message"],
            "properties": {"statusCode": {"type": "number"}, "message": {"type": "string"}, "error": {"type": "string"}, "traceId": {"type": "string"}}
        }));
        let unprocessable = validator(json!({
            "type": "object", "required": ["statusCode", "message"],
            "properties": {"statusCode": {"const": 422}, "error": {"type": "string"},
                           "message": {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}}
        }));
        Spec {
            ops,
            error_shape,
            unprocessable,
        }
    }

    /// The operation serving `method path` (query string ignored); static segments win.
    pub fn find(&self, method: &str, path: &str) -> Option<&Operation> {
        let path = path.split('?').next().unwrap_or(path);
        let segs: Vec<&str> = path.split('/').collect();
        self.ops
            .iter()
            .filter(|o| o.method == method)
            .filter_map(|o| {
                let t: Vec<&str> = o.template.split('/').collect();
                if t.len() != segs.len() {
                    return None;
                }
                let mut statics = 0;
                for (a, b) in t.iter().zip(&segs) {
                    if a.starts_with('{') {
                        continue;
                    }
                    if a != b {
                        return None;
                    }
                    statics += 1;
                }
                Some((statics, o))
            })
            .max_by_key(|(s, _)| *s)
            .map(|(_, o)| o)
    }

    /// Checks a request body against the operation's request schema.
    pub fn check_request(&self, method: &str, path: &str, body: &Value) -> Result<(), String> {
        let op = self
            .find(method, path)
            .ok_or_else(|| format!("{method} {path} is not a spec route"))?;
        let Some(v) = &op.request else { return Ok(()) };
        errors(v, body)
            .map_err(|e| format!("request {method} {path} breaks the spec: {e}\nbody: {body}"))
    }

    /// Checks a form-encoded request body (as its fields) against the request schema.
    pub fn check_form(
        &self,
        method: &str,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<(), String> {
        let body = Value::Object(
            form.iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect(),
        );
        self.check_request(method, path, &body)
    }

    /// Checks a query string's parameters against the operation's `in: query` parameters. A
    /// value is read as the type its parameter's schema names (`true` as a boolean for a
    /// boolean parameter, as the server's DTO transform would); unknown names are refused.
    pub fn check_query(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<(), String> {
        let op = self
            .find(method, path)
            .ok_or_else(|| format!("{method} {path} is not a spec route"))?;
        let typed = |k: &str, v: &str| match op.query_types.get(k).map(String::as_str) {
            Some("boolean") => v.parse::<bool>().map_or_else(|_| json!(v), |b| json!(b)),
            Some("number") => v.parse::<f64>().map_or_else(|_| json!(v), |n| json!(n)),
            _ => json!(v),
        };
        let object = Value::Object(
            query
                .iter()
                .map(|(k, v)| (k.to_string(), typed(k, v)))
                .collect(),
        );
        errors(&op.query, &object)
            .map_err(|e| format!("query of {method} {path} breaks the spec: {e}"))
    }

    /// Checks a response body against the schema for its status (or the fallbacks above).
    pub fn check_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), String> {
        let op = self
            .find(method, path)
            .ok_or_else(|| format!("{method} {path} is not a spec route"))?;
        CHECKED.with_borrow_mut(|checked| {
            checked.insert((op.method.clone(), op.template.clone(), status))
        });
        let v = match (status, op.responses.get(&status)) {
            (422, _) => &self.unprocessable,
            (_, Some(v)) => v,
            (s, None) if s >= 400 => &self.error_shape,
            (s, None) => return Err(format!("{method} {path}: status {s} is not in the spec")),
        };
        errors(v, body).map_err(|e| {
            format!("response {status} of {method} {path} breaks the spec: {e}\nbody: {body}")
        })
    }
}

fn errors(v: &Validator, body: &Value) -> Result<(), String> {
    let errs: Vec<String> = v
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("; "))
    }
}
