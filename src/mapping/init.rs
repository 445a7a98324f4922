//! `mapping init`: drafts a commented mapping from a file's headers, recognising the column
//! names of HighLevel, Google Contacts, Outlook, HubSpot, Mailchimp and Salesforce exports.
//! The draft works as it is: every column it names exists, and unrecognised columns are listed
//! in comments for the user to map (often as custom fields).

use std::fmt::Write as _;

use super::headers::Headers;

/// What a recognised header becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Field(&'static str),
    FullName,
    Tags(&'static str),
    Note,
}

/// Header names (folded: lower case, letters and digits only) by target, best first. Sources:
/// the export formats named above (e.g. Google "E-mail 1 - Value", Outlook "E-mail Address",
/// "Mobile Phone", "Business Street", HubSpot "Phone Number", Mailchimp "Email Address",
/// Salesforce "Mailing Street", HighLevel "Business Name").
const KNOWN: &[(Target, &[&str])] = &[
    (
        Target::Field("email"),
        &[
            "email",
            "emailaddress",
            "email1value",
            "primaryemail",
            "emailaddress1",
        ],
    ),
    (
        Target::Field("phone"),
        &[
            "phone",
            "mobile",
            "mobilephone",
            "mobilephonenumber",
            "cellphone",
            "cell",
            "phonenumber",
            "phone1value",
            "primaryphone",
            "businessphone",
            "homephone",
            "telephone",
            "tel",
        ],
    ),
    (
        Target::Field("firstName"),
        &["firstname", "first", "givenname", "fname", "forename"],
    ),
    (
        Target::Field("lastName"),
        &["lastname", "last", "surname", "familyname", "lname"],
    ),
    (
        Target::FullName,
        &["name", "fullname", "contactname", "displayname"],
    ),
    (
        Target::Field("companyName"),
        &[
            "companyname",
            "company",
            "businessname",
            "organization",
            "organisation",
            "organization1name",
            "accountname",
            "account",
            "companyaccount",
            "employer",
        ],
    ),
    (
        Target::Field("address1"),
        &[
            "address1",
            "address",
            "streetaddress",
            "street",
            "addressline1",
            "address1street",
            "businessstreet",
            "homestreet",
            "mailingstreet",
            "streetaddress1",
        ],
    ),
    (
        Target::Field("city"),
        &[
            "city",
            "town",
            "address1city",
            "businesscity",
            "homecity",
            "mailingcity",
        ],
    ),
    (
        Target::Field("state"),
        &[
            "state",
            "province",
            "stateprovince",
            "stateregion",
            "region",
            "address1region",
            "businessstate",
            "homestate",
            "mailingstate",
            "mailingstateprovince",
        ],
    ),
    (
        Target::Field("postalCode"),
        &[
            "postalcode",
            "zip",
            "zipcode",
            "postcode",
            "zippostalcode",
            "address1postalcode",
            "businesspostalcode",
            "homepostalcode",
            "mailingzippostalcode",
            "mailingpostalcode",
        ],
    ),
    (
        Target::Field("country"),
        &[
            "country",
            "countrycode",
            "countryregion",
            "address1country",
            "businesscountryregion",
            "homecountryregion",
            "mailingcountry",
        ],
    ),
    (
        Target::Field("website"),
        &[
            "website",
            "web",
            "url",
            "webpage",
            "websiteurl",
            "homepage",
            "website1value",
        ],
    ),
    (Target::Field("timezone"), &["timezone", "tz"]),
    (
        Target::Field("dateOfBirth"),
        &["dateofbirth", "birthday", "birthdate", "dob"],
    ),
    (Target::Field("gender"), &["gender", "sex"]),
    (
        Target::Field("source"),
        &["source", "leadsource", "contactsource"],
    ),
    (
        Target::Field("dnd"),
        &[
            "dnd",
            "donotdisturb",
            "donotcontact",
            "optout",
            "emailoptout",
            "unsubscribed",
            "donotcall",
        ],
    ),
    (Target::Field("assignedTo"), &["assignedto"]),
    (Target::Tags(","), &["tags", "tag", "membertags"]),
    (Target::Tags(":::"), &["labels", "groupmembership"]),
    (Target::Tags(";"), &["categories"]),
    (
        Target::Note,
        &["notes", "note", "description", "comments", "comment"],
    ),
];

fn fold(header: &str) -> String {
    header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn quote(s: &str) -> String {
    // A TOML basic string; serialising through toml escapes quotes and control characters.
    toml::Value::String(s.to_string()).to_string()
}

/// Drafts a mapping for a file with these headers. `region` is the default phone region.
pub fn draft(headers: &[String], region: &str, file_name: &str) -> String {
    draft_with_id(headers, None, region, file_name)
}

/// Headers (folded) of a contact id column from another CRM export, recognised only when its
/// values look like HighLevel ids; our own export's `_contact_id` always is.
const ID_HEADERS: &[&str] = &["contactid", "recordid", "id", "ghlid", "highlevelid"];

/// The column holding HighLevel contact ids (issue 21.2): `_contact_id` (our own export), or a
/// `Contact Id` / `Record ID`-style column whose non-empty sample values all look like
/// HighLevel ids (20 letters and digits): another CRM's record ids must not become updates.
pub fn contact_id_column(headers: &[String], sample: &[Vec<String>]) -> Option<String> {
    if let Some(h) = headers.iter().find(|h| h.trim() == "_contact_id") {
        return Some(h.clone());
    }
    let looks_like_id = |v: &str| v.len() == 20 && v.chars().all(|c| c.is_ascii_alphanumeric());
    headers.iter().enumerate().find_map(|(i, h)| {
        if !ID_HEADERS.contains(&fold(h).as_str()) {
            return None;
        }
        let mut values = sample
            .iter()
            .filter_map(|row| row.get(i).map(|v| v.trim()))
            .filter(|v| !v.is_empty())
            .peekable();
        values.peek()?;
        values.all(looks_like_id).then(|| h.clone())
    })
}

/// [`draft`], with the contact id column [`contact_id_column`] found (if any).
pub fn draft_with_id(
    headers: &[String],
    id_column: Option<&str>,
    region: &str,
    file_name: &str,
) -> String {
    let headers = Headers::new(headers);
    let usable: Vec<&str> = headers.usable().collect();
    let mut chosen: Vec<(Target, &str)> = Vec::new();
    let mut leftovers: Vec<&str> = Vec::new();
    // Best name first across the whole header row, so "Mobile Phone" beats "Home Phone".
    for (target, names) in KNOWN {
        let pick = names
            .iter()
            .find_map(|n| usable.iter().find(|h| fold(h) == *n));
        if let Some(h) = pick {
            let field_taken = chosen.iter().any(|(t, _)| match (t, target) {
                (Target::Tags(_), Target::Tags(_)) => true,
                _ => t == target,
            });
            if !field_taken && !chosen.iter().any(|(_, c)| c == h) {
                chosen.push((*target, h));
            }
        }
    }
    for h in &usable {
        if !chosen.iter().any(|(_, c)| c == h) && Some(*h) != id_column {
            leftovers.push(h);
        }
    }
    let has = |f: &'static str| chosen.iter().any(|(t, _)| *t == Target::Field(f));

    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Mapping drafted by `ghl-bulk mapping init` from {file_name}."
    );
    out.push_str(
        "# Check it, then run `ghl-bulk validate <file> --mapping <this file>`.\n\
         # Every key is explained in mappings/example.toml.\n\n\
         version = 1\n\n",
    );
    out.push_str(
        "# Phone numbers written without +country are read in this region, unless the row has\n\
         # a valid country of its own. CHANGE IT if your contacts are not mostly here.\n",
    );
    let _ = writeln!(out, "default_region = {}\n", quote(region));
    out.push_str(
        "# Dates such as 03/04/1990 are read month-first, as HighLevel does.\n\
         # date_order = \"dmy\"\n\n[fields]\n",
    );
    if let Some(h) = id_column {
        let _ = writeln!(
            out,
            "# HighLevel contact ids: a row with one updates that contact (email and phone may\n\
             # change); leave the cell empty for a new contact.\nid = {}",
            quote(h)
        );
    }
    for (target, header) in &chosen {
        if let Target::Field(f) = target {
            let _ = writeln!(out, "{f} = {}", quote(header));
        }
    }
    if !has("email") && !has("phone") {
        out.push_str(
            "# No email or phone column was recognised: every row will be rejected until you\n\
             # map one, e.g. email = \"<column>\".\n",
        );
    }
    if let Some((_, h)) = chosen.iter().find(|(t, _)| *t == Target::FullName) {
        if has("firstName") || has("lastName") {
            let _ = writeln!(out, "name = {}", quote(h));
        } else {
            let _ = writeln!(
                out,
                "\n# \"{h}\" holds whole names: split into first and last name.\n[split_name]\ncolumn = {}",
                quote(h)
            );
        }
    }
    if let Some((Target::Tags(delimiter), h)) =
        chosen.iter().find(|(t, _)| matches!(t, Target::Tags(_)))
    {
        let _ = writeln!(
            out,
            "\n[tags]\ncolumns = [{}]\ndelimiter = {}\n# constant = [\"imported\"]",
            quote(h),
            quote(delimiter)
        );
    }
    if let Some((_, h)) = chosen.iter().find(|(t, _)| *t == Target::Note) {
        let _ = writeln!(out, "\n[notes]\ncolumns = [{}]", quote(h));
    }
    out.push_str(
        "\n[dedupe]\nkeys = [\"email\", \"phone\"]\n\
         # Rows sharing a phone but not an email or a name (colleagues behind a switchboard) are\n\
         # different people; HighLevel matches contacts by phone, so the later ones are rejected\n\
         # (\"reject\"), imported without the phone (\"drop_phone\"), or merged (\"merge\").\n\
         shared_phone = \"reject\"\n",
    );
    if !leftovers.is_empty() {
        out.push_str(
            "\n# Columns not mapped. To keep one, add it above or as a custom field:\n\
             # [[custom_fields]]\n# key = \"contact.your_field_key\"\n# column = \"<column>\"\n",
        );
        for h in leftovers {
            let _ = writeln!(out, "#   {}", quote(h));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::{parse, Mapping};
    use std::path::Path;

    fn compiles(headers: &[&str]) -> String {
        let headers: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
        let text = draft(&headers, "US", "x.csv");
        let spec = parse(&text, Path::new("draft")).unwrap_or_else(|e| panic!("{e}\n{text}"));
        Mapping::compile(&spec, &headers, None, Path::new("draft"))
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        text
    }

    #[test]
    fn google_contacts() {
        let t = compiles(&[
            "Name",
            "Given Name",
            "Family Name",
            "E-mail 1 - Value",
            "Phone 1 - Value",
            "Labels",
            "Notes",
            "Birthday",
        ]);
        assert!(t.contains("email = \"E-mail 1 - Value\""), "{t}");
        assert!(t.contains("firstName = \"Given Name\""), "{t}");
        assert!(t.contains("name = \"Name\""), "{t}");
        assert!(t.contains("delimiter = \":::\""), "{t}");
        assert!(t.contains("dateOfBirth = \"Birthday\""), "{t}");
    }

    #[test]
    fn outlook_prefers_mobile_and_lists_leftovers() {
        let t = compiles(&[
            "First Name",
            "Last Name",
            "E-mail Address",
            "Home Phone",
            "Mobile Phone",
            "Business City",
            "Job Title",
            "_row",
        ]);
        assert!(t.contains("phone = \"Mobile Phone\""), "{t}");
        assert!(t.contains("#   \"Home Phone\""), "{t}");
        assert!(t.contains("#   \"Job Title\""), "{t}");
        assert!(!t.contains("_row"), "{t}");
    }

    #[test]
    fn full_name_only_and_odd_headers() {
        let t = compiles(&["Full Name", "Mobile", "He said \"hi\""]);
        assert!(t.contains("[split_name]"), "{t}");
        let t = compiles(&["Whatever"]);
        assert!(t.contains("No email or phone column"), "{t}");
    }
}
