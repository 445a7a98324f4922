//! Tests of compiling a mapping against headers and applying it to rows.

use std::path::Path;

use super::*;
use crate::mapping::parse;

fn headers() -> Vec<String> {
    [
        "Full Name",
        "E-mail",
        "Phone",
        "Opt Out",
        "Tags",
        "Interests",
        "Street",
        "No",
        "Notes",
        "Comments",
        "Zip",
        "_row",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn compile(text: &str) -> Result<Mapping, MappingError> {
    let spec = parse(text, Path::new("m.toml"))?;
    Mapping::compile(&spec, &headers(), None, Path::new("m.toml"))
}

/// Why `version = 1` followed by `text` does not compile.
fn refusal(text: &str) -> String {
    match compile(&format!("version = 1\n{text}")) {
        Ok(_) => panic!("compiled: {text}"),
        Err(e) => e.to_string(),
    }
}

/// Each mapping `text` (after `version = 1`) is refused with a message holding `want`.
fn assert_refused(cases: &[(&str, &str)]) {
    for (text, want) in cases {
        let msg = refusal(text);
        assert!(msg.contains(want), "{text}: {msg}");
    }
}

fn cells(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

const FULL: &str = r#"
version = 1
default_region = "GB"
date_order = "dmy"
[fields]
email = { column = "E-mail", transform = ["lower"] }
phone = { first_of = ["No", "Phone"] }
dnd = { column = "Opt Out", map = { Y = true, N = false }, default = false }
address1 = { join = ["No", "Street"] }
source = { value = "expo 2026" }
postalCode = { column = "Zip", transform = ["upper"], on_invalid = "reject_row" }
[split_name]
column = "Full Name"
[[custom_fields]]
key = "contact.interests"
column = "Interests"
[tags]
columns = ["Tags"]
delimiter = ";"
constant = ["Expo"]
ignore = [" VIP "]
[notes]
columns = ["Notes", "Comments"]
[dedupe]
keys = ["email"]
"#;

#[test]
fn applies_every_kind_of_rule() {
    let m = compile(FULL).unwrap();
    let row = cells(&[
        "Lee, Ann",
        " ANN@X.COM ",
        "020 7946 0958",
        "y",
        "vip; b2b;vIp ",
        "golf",
        "High St",
        "12",
        "met at booth",
        "",
        "sw1a 1aa",
        "7",
    ]);
    let d = m.apply(3, &row);
    let f = |f: StdField| d.fields[f as usize].clone();
    assert_eq!(d.row, 3);
    assert_eq!(f(StdField::FirstName).as_deref(), Some("Ann"));
    assert_eq!(f(StdField::LastName).as_deref(), Some("Lee"));
    assert_eq!(f(StdField::Email).as_deref(), Some("ann@x.com"));
    // first_of: "No" is "12", so it wins over Phone.
    assert_eq!(f(StdField::Phone).as_deref(), Some("12"));
    let mut no_no = row.clone();
    no_no[7] = " ".into();
    assert_eq!(
        m.apply(3, &no_no).fields[StdField::Phone as usize].as_deref(),
        Some("020 7946 0958")
    );
    assert_eq!(f(StdField::Dnd).as_deref(), Some("true"));
    assert_eq!(f(StdField::Address1).as_deref(), Some("12 High St"));
    assert_eq!(f(StdField::Source).as_deref(), Some("expo 2026"));
    assert_eq!(f(StdField::PostalCode).as_deref(), Some("SW1A 1AA"));
    assert_eq!(d.custom, vec![(0, "golf".into())]);
    assert_eq!(
        m.custom_refs,
        vec![CustomRef::Key("contact.interests".into())]
    );
    assert_eq!(d.tags, vec![" b2b", "Expo"]);
    assert_eq!(d.notes, vec!["Notes: met at booth"]);
    assert_eq!(m.rules.date_order, Some(DateOrder::DayFirst));
    assert_eq!(
        m.rules.policies[StdField::PostalCode as usize],
        Policy::RejectRow
    );
    assert_eq!(m.dedupe_keys, vec![DedupeKey::Email]);
}

#[test]
fn defaults_and_short_rows() {
    let m = compile(FULL).unwrap();
    let row = cells(&["Cher"]);
    let d = m.apply(1, &row);
    assert_eq!(d.fields[StdField::Dnd as usize].as_deref(), Some("false"));
    assert_eq!(
        d.fields[StdField::FirstName as usize].as_deref(),
        Some("Cher")
    );
    assert_eq!(d.fields[StdField::LastName as usize], None);
    assert_eq!(d.fields[StdField::Email as usize], None);
    assert_eq!(d.tags, vec!["", "Expo"]);
}

#[test]
fn missing_column_lists_headers() {
    let msg = compile("version = 1\n[fields]\nemail = \"Email\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("[fields] email: column \"Email\" is not in the file"),
        "{msg}"
    );
    assert!(msg.contains("did you mean \"E-mail\""), "{msg}");
}

#[test]
fn impossible_combinations() {
    assert_refused(&[
        ("[fields]\nemail = {}\n", "needs one of"),
        ("[fields]\nemail = { first_of = [] }\n", "only one of"),
        (
            "[fields]\nemail = { column = \"E-mail\", value = \"x\" }\n",
            "only one of",
        ),
        (
            "[fields]\nemail = { key = \"x\", column = \"E-mail\" }\n",
            "custom_fields",
        ),
        (
            "[[custom_fields]]\ncolumn = \"Zip\"\n",
            "exactly one of `key` or `id`",
        ),
        ("default_region = \"Mars\"\n", "default_region"),
        ("[tags]\ncolumns = [\"Tag\"]\n", "did you mean \"Tags\""),
    ]);
}

#[test]
fn names() {
    assert_eq!(
        split_full_name("Ann Marie Lee"),
        ("Ann Marie".into(), "Lee".into())
    );
    assert_eq!(split_full_name(" Cher "), ("Cher".into(), String::new()));
    assert_eq!(title_case("o'neil-smith ANN"), "O'Neil-Smith Ann");
}

const DELIVERY_KEYS: &str = r#"
version = 1
business_id = "Zip"
[fields]
email = "E-mail"
[tags_remove]
columns = ["Interests"]
delimiter = "|"
constant = ["lead"]
[tasks]
title = { value = "Call back" }
body = "Notes"
due = { column = "Comments", on_invalid = "reject_row" }
completed = "Opt Out"
assignee = { value = " u-42 " }
"#;

#[test]
fn delivery_keys_fill_the_draft() {
    let m = compile(DELIVERY_KEYS).unwrap();
    let mut row = cells(&[
        "",
        "a@x.com",
        "",
        "yes",
        "",
        "old|cold",
        "",
        "",
        "ring",
        "2026-12-01",
        "B-7",
    ]);
    let d = m.apply(2, &row);
    assert_eq!(d.tags_remove, vec!["old", "cold", "lead"]);
    assert_eq!(d.business_id.as_deref(), Some("B-7"));
    let task = d.task.clone().unwrap();
    assert_eq!(task.title, "Call back");
    assert_eq!(task.body.as_deref(), Some("ring"));
    assert_eq!(task.due_date, "2026-12-01T12:00:00Z");
    assert!(task.completed);
    assert_eq!(task.assigned_to.as_deref(), Some("u-42"));
    assert!(d.issues.is_empty());

    row[9] = "soon".into();
    let d = m.apply(2, &row);
    assert!(d.task.is_none());
    assert_eq!(d.issues.len(), 1);
    assert_eq!(d.issues[0].field, "tasks.due");
    assert!(d.issues[0].blocking, "on_invalid = reject_row");
}

#[test]
fn a_task_rule_is_known_by_its_title_entry_not_its_text() {
    let id = |text: &str| {
        compile(&format!("version = 1\n[tasks]\n{text}"))
            .unwrap()
            .task_rule()
            .map(str::to_string)
    };
    let call = id("title = { value = \"Call back\" }\ndue = \"Comments\"\n").unwrap();
    assert!(call.starts_with("task:"), "{call}");
    // Another due column, a body: the same rule.
    assert_eq!(
        id("title = { value = \"Call back\" }\ndue = \"Zip\"\nbody = \"Notes\"\n"),
        Some(call.clone())
    );
    // Another constant, or a column: another rule.
    assert_ne!(
        id("title = { value = \"Send quote\" }\ndue = \"Zip\"\n"),
        Some(call.clone())
    );
    let column = id("title = \"Notes\"\ndue = \"Zip\"\n");
    assert_ne!(column, Some(call));
    assert_eq!(
        column,
        id("title = { column = \"Notes\" }\ndue = \"Zip\"\n"),
        "the short form is the long form"
    );
    assert!(compile(DELIVERY_KEYS).unwrap().task_rule().is_some());
    assert_eq!(compile("version = 1\n").unwrap().task_rule(), None);
}

#[test]
fn delivery_keys_are_checked() {
    assert_refused(&[
        ("[tasks]\ntitle = \"Notes\"\n", "missing field `due`"),
        (
            "[tasks]\ntitle = \"Notes\"\ndue = \"When\"\n",
            "[tasks] due: column \"When\" is not in the file",
        ),
        (
            "[tasks]\ntitle = { column = \"Notes\", on_invalid = \"reject_row\" }\ndue = \"Zip\"\n",
            "only read on [tasks] due",
        ),
        (
            "[tags_remove]\ncolumns = [\"Tag\"]\n",
            "[tags_remove]: column",
        ),
        ("business_id = \"Biz\"\n", "business_id: column"),
    ]);
}

#[test]
fn cells_our_files_neutralised_read_back_as_written() {
    let m = compile(FULL).unwrap();
    let mut row = cells(&["", "", "", "", "", "", "", "", "", "", "", ""]);
    row[8] = "'=HYPERLINK(\"x\")".into();
    row[9] = "'Tis the season".into();
    let d = m.apply(2, &row);
    assert_eq!(
        d.notes,
        vec!["Notes: =HYPERLINK(\"x\")\nComments: 'Tis the season".to_string()]
    );
}
