//! The mapping parser never panics, whatever the text: arbitrary strings, and TOML-ish text
//! built from the format's own keys with wrong types, nesting and values (proptest). What
//! parses is also compiled against arbitrary headers and applied to a row, which must not
//! panic either.

use std::path::Path;

use ghl_bulk::mapping::{parse, Mapping};
use proptest::prelude::*;

const KEYS: &[&str] = &[
    "version",
    "default_region",
    "date_order",
    "column",
    "join",
    "first_of",
    "separator",
    "value",
    "default",
    "transform",
    "map",
    "on_invalid",
    "key",
    "id",
    "columns",
    "delimiter",
    "constant",
    "ignore",
    "keys",
    "sheet",
    "header_row",
    "encoding",
    "email",
    "phone",
    "dnd",
    "firstName",
    "dateOfBirth",
    "tasks",
    "bogus",
];
const TABLES: &[&str] = &[
    "[fields]",
    "[source]",
    "[tags]",
    "[notes]",
    "[dedupe]",
    "[split_name]",
    "[[custom_fields]]",
    "[fields.email]",
    "[tasks]",
    "[",
    "[[",
];
const VALUES: &[&str] = &[
    "1",
    "2",
    "0",
    "-1",
    "\"US\"",
    "\"Email\"",
    "\"\"",
    "true",
    "[\"Email\", \"Phone\"]",
    "[]",
    "{ column = \"Email\" }",
    "{ colum = 1 }",
    "\"dmy\"",
    "\"reject_row\"",
    "[\"lower\"]",
    "{ Y = true }",
    "\"\\t\"",
    "\"é\"",
    "1979-05-27",
    "\"\\u0000\"",
    "[[1]]",
    "{",
    "\"",
];

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        (prop::sample::select(KEYS), prop::sample::select(VALUES))
            .prop_map(|(k, v)| format!("{k} = {v}")),
        prop::sample::select(TABLES).prop_map(str::to_string),
        "[ -~]{0,30}",
    ]
}

fn check(text: &str, headers: &[String]) {
    if let Ok(spec) = parse(text, Path::new("fuzz.toml")) {
        if let Ok(mapping) = Mapping::compile(&spec, headers, None, Path::new("fuzz.toml")) {
            let _ = mapping.apply(2, headers);
            let _ = mapping.apply(3, &[]);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        check(&text, &["Email".to_string()]);
    }

    #[test]
    fn tomlish_text_never_panics(
        lines in prop::collection::vec(line(), 0..14),
        headers in prop::collection::vec("[A-Za-z _]{0,8}", 0..5),
    ) {
        let mut text = String::from("version = 1\n");
        text.push_str(&lines.join("\n"));
        let mut headers = headers;
        headers.push("Email".into());
        headers.push("Phone".into());
        check(&text, &headers);
    }
}
