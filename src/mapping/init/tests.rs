//! Drafts for the header rows of the exports `mapping init` knows, each compiled against its
//! headers so that a draft never names a column the file lacks.

use super::*;
use crate::mapping::{parse, Mapping};
use std::path::Path;

fn owned(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| s.to_string()).collect()
}

fn drafted(headers: &[&str], rows: &[&[&str]]) -> Drafted {
    let headers = owned(headers);
    let rows: Vec<Vec<String>> = rows.iter().map(|r| owned(r)).collect();
    let sample = Sample {
        headers: &headers,
        rows: &rows,
        header_row: 1,
    };
    let d = draft_from(&sample, "US", "x.csv");
    let spec = parse(&d.text, Path::new("draft")).unwrap_or_else(|e| panic!("{e}\n{}", d.text));
    Mapping::compile(&spec, &headers, None, Path::new("draft"))
        .unwrap_or_else(|e| panic!("{e}\n{}", d.text));
    d
}

fn compiles(headers: &[&str]) -> String {
    drafted(headers, &[]).text
}

/// Each of `lines` stands in the draft `t`.
fn assert_lines(t: &str, lines: &[&str]) {
    for line in lines {
        assert!(t.contains(line), "{line:?} is not in:\n{t}");
    }
}

#[test]
fn google_contacts() {
    let t = compiles(&[
        "Name",
        "Given Name",
        "Family Name",
        "E-mail 1 - Value",
        "E-mail 2 - Value",
        "Phone 1 - Value",
        "Phone 2 - Value",
        "Group Membership",
        "Notes",
        "Birthday",
    ]);
    assert_lines(
        &t,
        &[
            "email = { first_of = [\"E-mail 1 - Value\", \"E-mail 2 - Value\"] }",
            "phone = { first_of = [\"Phone 1 - Value\", \"Phone 2 - Value\"] }",
            "firstName = \"Given Name\"",
            "name = \"Name\"",
            "delimiter = \":::\"",
            // Issue 21.3: every Google contact got the tag "* mycontacts".
            "ignore = [\"* myContacts\", \"* starred\"]",
            "dateOfBirth = \"Birthday\"",
        ],
    );
}

#[test]
fn outlook_takes_every_phone_mobile_first_and_lists_leftovers() {
    let t = compiles(&[
        "First Name",
        "Last Name",
        "E-mail Address",
        "E-mail 2 Address",
        "Business Phone",
        "Home Phone",
        "Mobile Phone",
        "Primary Phone",
        "Business Fax",
        "Company Main Phone",
        "Business City",
        "Job Title",
        "_row",
    ]);
    assert_lines(
        &t,
        &[
            "phone = { first_of = [\"Mobile Phone\", \"Primary Phone\", \"Business Phone\", \"Home Phone\"] }",
            "email = { first_of = [\"E-mail Address\", \"E-mail 2 Address\"] }",
            "#   \"Business Fax\"",
            "#   \"Job Title\"",
        ],
    );
    assert!(!t.contains("_row"), "{t}");
}

#[test]
fn hubspot_takes_both_phone_numbers() {
    let t = compiles(&["Record ID", "Email", "Phone Number", "Mobile Phone Number"]);
    assert!(
        t.contains("phone = { first_of = [\"Mobile Phone Number\", \"Phone Number\"] }"),
        "{t}"
    );
}

/// The headers of datablist's `customers-100.csv`, a sample found in many public repositories
/// (a file we did not write): numbered phone columns with no "Value" or "Number" after them.
#[test]
fn numbered_phone_columns() {
    let t = compiles(&[
        "Index",
        "Customer Id",
        "First Name",
        "Last Name",
        "Phone 1",
        "Phone 2",
        "Email",
    ]);
    assert!(
        t.contains("phone = { first_of = [\"Phone 1\", \"Phone 2\"] }"),
        "{t}"
    );
    let t = compiles(&["Email 1", "Email 2", "Mobile Number", "Telephone Number"]);
    assert_lines(
        &t,
        &[
            "email = { first_of = [\"Email 1\", \"Email 2\"] }",
            "phone = { first_of = [\"Mobile Number\", \"Telephone Number\"] }",
        ],
    );
}

#[test]
fn pipedrive_and_zoho_headers() {
    let t = compiles(&[
        "Person - Name",
        "Person - Label",
        "Organization - Name",
        "Person - Email - Work",
        "Person - Email - Home",
        "Person - Phone - Work",
        "Person - Phone - Mobile",
    ]);
    assert_lines(
        &t,
        &[
            "companyName = \"Organization - Name\"",
            "email = { first_of = [\"Person - Email - Work\", \"Person - Email - Home\"] }",
            "phone = { first_of = [\"Person - Phone - Mobile\", \"Person - Phone - Work\"] }",
            "[split_name]\ncolumn = \"Person - Name\"",
            "columns = [\"Person - Label\"]",
        ],
    );

    let t = compiles(&[
        "First Name",
        "Last Name",
        "Account Name",
        "Email",
        "Phone",
        "Mobile",
        "Mailing Street",
        "Mailing City",
        "Mailing State",
        "Mailing Zip",
        "Mailing Country",
        "Email Opt Out",
    ]);
    assert_lines(
        &t,
        &[
            "phone = { first_of = [\"Mobile\", \"Phone\"] }",
            "companyName = \"Account Name\"",
            "address1 = \"Mailing Street\"",
            "postalCode = \"Mailing Zip\"",
            "country = \"Mailing Country\"",
            "dnd = \"Email Opt Out\"",
        ],
    );
}

#[test]
fn mailchimp_address_country_and_quoted_tags() {
    let d = drafted(
        &[
            "Email Address",
            "Address",
            "CC",
            "TAGS",
            "MEMBER_RATING",
            "LEID",
        ],
        &[
            &["a@example.com", "", "US", "", "2", "1"],
            &[
                "b@example.com",
                "2711 Cedar Ln  Denver  CO  80202  US",
                "US",
                "\"Tag, with comma\",\"Other\"",
                "",
                "",
            ],
        ],
    );
    let t = &d.text;
    assert!(!t.contains("address1 ="), "{t}");
    assert_lines(
        t,
        &[
            "country = \"CC\"",
            "\"Address\" holds street, city",
            "lists of quoted tags",
        ],
    );
    assert_eq!(d.unmapped, ["Address", "MEMBER_RATING", "LEID"]);
}

#[test]
fn our_own_export_maps_custom_fields_back() {
    let t = compiles(&[
        "Contact Id",
        "Email",
        "Membership Level (contact.membership_level)",
        "Tags",
    ]);
    assert!(
        t.contains(
            "[[custom_fields]]\nkey = \"contact.membership_level\"\ncolumn = \"Membership Level (contact.membership_level)\""
        ),
        "{t}"
    );
}

#[test]
fn header_row_and_unmapped_columns_with_data() {
    let headers = owned(&["Email", "Job Title", "Empty One"]);
    let rows = vec![owned(&["a@example.com", "CEO", ""])];
    let sample = Sample {
        headers: &headers,
        rows: &rows,
        header_row: 4,
    };
    let d = draft_from(&sample, "US", "x.xlsx");
    assert!(d.text.contains("[source]"), "{}", d.text);
    assert!(d.text.contains("header_row = 4"), "{}", d.text);
    assert!(d.has_identity);
    assert_eq!(d.unmapped, ["Job Title"]);
    let spec = parse(&d.text, Path::new("draft")).unwrap();
    assert_eq!(spec.source.header_row, Some(4));
}

#[test]
fn full_name_only_and_odd_headers() {
    let t = compiles(&["Full Name", "Mobile", "He said \"hi\""]);
    assert!(t.contains("[split_name]"), "{t}");
    let d = drafted(&["Whatever"], &[]);
    assert!(!d.has_identity);
    assert!(d.text.contains("No email or phone column"), "{}", d.text);
}

/// Regression: `Name` beside `Surname` (one word per cell) was drafted as HighLevel's whole
/// `name`, and every imported contact came out without a first name.
#[test]
fn name_beside_a_surname_holds_first_names() {
    let d = drafted(
        &["Name", "Surname", "E-mail"],
        &[
            &["Greta", "Lind", "g@example.se"],
            &["Tomás", "Ruiz", "t@example.es"],
        ],
    );
    assert!(d.text.contains("firstName = \"Name\""), "{}", d.text);
    assert!(!d.text.contains("\nname = "), "{}", d.text);
    parse(&d.text, Path::new("draft")).unwrap();
    // Whole names beside a surname column stay HighLevel's `name`.
    let d = drafted(
        &["Name", "Surname", "E-mail"],
        &[&["Greta Lind", "Lind", "g@example.se"]],
    );
    assert!(d.text.contains("name = \"Name\""), "{}", d.text);
    assert!(!d.text.contains("firstName"), "{}", d.text);
}
