use super::*;
use crate::export::related::Related;
use crate::mapping::{parse, Mapping};
use serde_json::json;
use serde_json::Value;
use std::path::Path;

fn defs() -> Vec<CustomFieldDef> {
    vec![
        CustomFieldDef {
            id: "CfScore".into(),
            name: "Lead Score".into(),
            field_key: "contact.lead_score".into(),
            data_type: "NUMERICAL".into(),
            ..CustomFieldDef::default()
        },
        CustomFieldDef {
            id: "CfInterests".into(),
            name: "Interests".into(),
            field_key: "contact.interests".into(),
            data_type: "MULTIPLE_OPTIONS".into(),
            ..CustomFieldDef::default()
        },
    ]
}

fn contact() -> Value {
    json!({
        "id": "abc", "firstName": "Ann", "lastName": "van der Berg", "email": "ann@example.com",
        "phone": "+14155550134", "address": "1 Main St", "businessName": "Acme", "dnd": true,
        "dateOfBirth": "1990-05-01T00:00:00.000Z", "tags": ["vip", "expo"],
        "customFields": [{"id": "CfScore", "value": 42.0}, {"id": "CfInterests", "value": ["Golf", "Chess"]},
                         {"id": "CfGone", "value": "x"}],
        "dateUpdated": "2026-11-20T10:00:00.000Z", "searchAfter": [1, "abc"]
    })
}

fn cells(layout: &Layout, contact: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    layout.render(contact, None, &mut out);
    layout
        .headers()
        .iter()
        .map(|h| h.to_string())
        .zip(out)
        .collect()
}

fn cell<'a>(row: &'a [(String, String)], header: &str) -> &'a str {
    row.iter()
        .find(|(h, _)| h == header)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no column {header}"))
}

#[test]
fn standard_layout_names_custom_fields_by_name_and_key() {
    let layout = Layout::standard(&defs(), &[RelatedKind::Notes]);
    let row = cells(&layout, &contact());
    assert_eq!(cell(&row, "Contact Id"), "abc");
    assert_eq!(cell(&row, "Address"), "1 Main St");
    assert_eq!(cell(&row, "Company Name"), "Acme");
    assert_eq!(cell(&row, "DND"), "true");
    assert_eq!(cell(&row, "Date of Birth"), "1990-05-01");
    assert_eq!(cell(&row, "Tags"), "vip, expo");
    assert_eq!(cell(&row, "Lead Score (contact.lead_score)"), "42");
    assert_eq!(cell(&row, "Interests (contact.interests)"), "Golf, Chess");
    assert_eq!(cell(&row, "Notes"), "");
    assert!(!layout.headers().iter().any(|h| h.contains("Cf")));
}

#[test]
fn a_mapping_read_in_reverse_maps_back_to_the_same_values() {
    let text = r#"
        version = 1
        [fields]
        email = "E-mail"
        phone = { first_of = ["Mobile", "Phone"] }
        address1 = { join = ["Street", "No"] }
        dnd = { column = "Unsubscribed", map = { "Y" = true, "N" = false } }
        companyName = { value = "constant" }
        [split_name]
        column = "Full Name"
        [[custom_fields]]
        key = "lead_score"
        column = "Score"
        [[custom_fields]]
        id = "CfInterests"
        column = "Interests"
        [tags]
        columns = ["Tags", "More Tags"]
        delimiter = ";"
        [notes]
        columns = ["Notes"]
    "#;
    let spec = parse(text, Path::new("m.toml")).unwrap();
    let layout = Layout::from_mapping(&spec, &defs(), &[]).unwrap();
    let headers: Vec<String> = layout.headers().iter().map(|h| h.to_string()).collect();
    assert_eq!(
        headers,
        [
            "_contact_id",
            "E-mail",
            "Mobile",
            "Phone",
            "Street",
            "No",
            "Unsubscribed",
            "Full Name",
            "Score",
            "Interests",
            "Tags",
            "More Tags",
            "Notes"
        ]
    );
    let row = cells(&layout, &contact());
    assert_eq!(cell(&row, "Unsubscribed"), "Y");
    assert_eq!(cell(&row, "Full Name"), "van der Berg, Ann");
    assert_eq!(cell(&row, "Tags"), "vip; expo");

    // Importing the row with the same mapping gives back the contact's values.
    let mut values = Vec::new();
    layout.render(&contact(), None, &mut values);
    let compiled = Mapping::compile(&spec, &headers, Some("US"), Path::new("m.toml")).unwrap();
    let draft = compiled.apply(2, &values);
    let field = |f: StdField| draft.fields[f as usize].clone();
    assert_eq!(field(StdField::Email).as_deref(), Some("ann@example.com"));
    assert_eq!(field(StdField::Phone).as_deref(), Some("+14155550134"));
    assert_eq!(field(StdField::Address1).as_deref(), Some("1 Main St"));
    assert_eq!(field(StdField::Dnd).as_deref(), Some("true"));
    assert_eq!(field(StdField::FirstName).as_deref(), Some("Ann"));
    assert_eq!(field(StdField::LastName).as_deref(), Some("van der Berg"));
    assert_eq!(draft.custom, [(0, "42".into()), (1, "Golf, Chess".into())]);
    let tags: Vec<&str> = draft.tags.iter().map(|t| t.trim()).collect();
    assert_eq!(tags, ["vip", "expo", ""]);
    assert_eq!(
        draft.notes,
        [""],
        "notes are never written back into a note column"
    );
}

#[test]
fn a_custom_field_the_location_lacks_is_an_error() {
    let spec = parse(
        "version = 1\n[[custom_fields]]\nkey = \"contact.nope\"\ncolumn = \"X\"\n",
        Path::new("m"),
    )
    .unwrap();
    let err = Layout::from_mapping(&spec, &defs(), &[]).unwrap_err();
    assert!(err.to_string().contains("contact.nope"), "{err}");
}

#[test]
fn json_records_name_custom_fields_and_drop_the_cursor() {
    let layout = Layout::standard(&defs(), &[]);
    let record = layout.json_record(
        &contact(),
        Some(&Related::from_lists(vec![(RelatedKind::Notes, Vec::new())])),
    );
    assert!(record.get("searchAfter").is_none());
    assert_eq!(
        record["customFields"],
        json!([
            {"key": "contact.lead_score", "name": "Lead Score", "value": 42.0},
            {"key": "contact.interests", "name": "Interests", "value": ["Golf", "Chess"]},
            {"id": "CfGone", "value": "x"}
        ])
    );
    assert_eq!(record["notes"], json!([]));
}

#[test]
fn related_kinds_add_counts_and_summaries() {
    let kinds = [RelatedKind::Appointments, RelatedKind::Tasks];
    let layout = Layout::standard(&defs(), &kinds).at(1_767_225_600_000); // 2026-01-01
    let headers = layout.headers();
    let tail: Vec<&str> = headers[headers.len() - 4..].to_vec();
    assert_eq!(
        tail,
        ["Tasks", "Next Task", "Appointments", "Next Appointment"]
    );
    let related = Related::from_lists(vec![
        (
            RelatedKind::Tasks,
            vec![
                json!({"id": "t1", "title": "Call", "dueDate": "2026-02-01T09:00:00Z", "completed": false}),
                json!({"id": "t2", "title": "Old", "dueDate": "2025-02-01T09:00:00Z", "completed": true}),
            ],
        ),
        (
            RelatedKind::Appointments,
            vec![
                json!({"id": "e1", "title": "Demo", "startTime": "2026-01-05 15:00:00", "status": "booked"}),
            ],
        ),
    ]);
    let mut row = Vec::new();
    layout.render(&contact(), Some(&related), &mut row);
    let row: Vec<(String, String)> = headers.iter().map(|h| h.to_string()).zip(row).collect();
    assert_eq!(cell(&row, "Tasks"), "2");
    assert_eq!(cell(&row, "Next Task"), "Call (due 2026-02-01 09:00 UTC)");
    assert_eq!(cell(&row, "Appointments"), "1");
    assert_eq!(
        cell(&row, "Next Appointment"),
        "Demo on 2026-01-05 15:00 UTC (booked)"
    );
    let record = layout.json_record(&contact(), Some(&related));
    assert_eq!(record["tasks"][1]["id"], "t2");
    assert_eq!(
        record["appointments"][0]["startTime"],
        "2026-01-05 15:00:00"
    );
    assert!(record.get("notes").is_none());
}
