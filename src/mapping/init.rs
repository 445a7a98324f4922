//! `mapping init`: drafts a commented mapping from a file's header row and a sample of its
//! rows, recognising the columns of HighLevel, Google Contacts, Outlook, HubSpot, Mailchimp,
//! Salesforce, Zoho and Pipedrive exports and of our own export (see `known`). The draft works
//! as it is: every column it names exists, the header row is the one `header_row` found, and
//! the columns it leaves out are listed in comments and returned for the console.

mod header_row;
mod known;

use std::fmt::Write as _;

pub use self::header_row::{looks_like_header, MAX_HEADER_ROW, ROWS_TO_JUDGE};
use self::known::{custom_field_key, fold, Target, KNOWN};
use super::extras::quoted_list;
use super::headers::Headers;

/// What the draft is made from.
#[derive(Debug, Clone, Copy)]
pub struct Sample<'a> {
    /// The header row's names, as the reader gives them.
    pub headers: &'a [String],
    /// The first data rows (cells in header order), to see which columns hold data and how.
    pub rows: &'a [Vec<String>],
    /// The 1-based header row found; above 1, the draft writes `[source] header_row`.
    pub header_row: usize,
}

/// A drafted mapping.
#[derive(Debug, Clone)]
pub struct Drafted {
    /// The mapping file's text.
    pub text: String,
    /// Whether an email or a phone column was found: without one every row would be rejected.
    pub has_identity: bool,
    /// The columns with data in the sample that the draft does not map, in file order.
    pub unmapped: Vec<String>,
}

fn quote(s: &str) -> String {
    // A TOML basic string; serialising through toml escapes quotes and control characters.
    toml::Value::String(s.to_string()).to_string()
}

fn quote_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| quote(s))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Drafts a mapping for a file with these headers and no sample rows (header row 1).
pub fn draft(headers: &[String], region: &str, file_name: &str) -> String {
    let sample = Sample {
        headers,
        rows: &[],
        header_row: 1,
    };
    draft_from(&sample, region, file_name).text
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

/// The recognised columns, per target, best first; each column is used once.
fn recognise<'h>(usable: &[&'h str]) -> Vec<(Target, Vec<&'h str>)> {
    let mut chosen: Vec<(Target, Vec<&'h str>)> = Vec::new();
    let mut taken: Vec<&str> = Vec::new();
    for (target, names) in KNOWN {
        // Best name first across the whole header row, so "Mobile Phone" beats "Home Phone".
        let mut matches: Vec<&'h str> = Vec::new();
        for name in *names {
            for h in usable.iter().filter(|h| fold(h) == *name) {
                if !taken.contains(h) && !matches.contains(h) {
                    matches.push(h);
                }
            }
        }
        let already = chosen.iter().any(|(t, _)| match (t, target) {
            (Target::Tags(..), Target::Tags(..)) => true,
            _ => t == target,
        });
        if matches.is_empty() || already {
            continue;
        }
        // Every email and phone column, in a `first_of`: a contact whose mobile is empty
        // still has its business or home number (Outlook, HubSpot, Pipedrive, Zoho).
        if !matches!(target, Target::Field("email" | "phone")) {
            matches.truncate(1);
        }
        taken.extend(matches.iter().copied());
        chosen.push((*target, matches));
    }
    chosen
}

/// The sample's cells of one column.
/// Whether a column's filled cells are one word each (at least one filled, none with a blank
/// inside): first names, not whole names.
fn single_words<'s>(mut cells: impl Iterator<Item = &'s str>) -> bool {
    let mut any = false;
    let all_single = cells.all(|c| {
        any |= !c.is_empty();
        !c.contains(char::is_whitespace)
    });
    any && all_single
}

fn column<'s>(sample: &'s Sample<'_>, header: &str) -> impl Iterator<Item = &'s str> {
    let index = sample.headers.iter().position(|h| h.trim() == header);
    sample
        .rows
        .iter()
        .filter_map(move |r| index.and_then(|i| r.get(i)))
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
}

/// Mailchimp's `Address`: street, city, state, ZIP and country in one cell, two spaces apart.
fn is_combined_address(sample: &Sample<'_>, header: &str) -> bool {
    column(sample, header).any(|c| c.split("  ").filter(|p| !p.trim().is_empty()).count() >= 3)
}

/// Drafts a mapping from a sample of the file. `region` is the default phone region.
pub fn draft_from(sample: &Sample<'_>, region: &str, file_name: &str) -> Drafted {
    let headers = Headers::new(sample.headers);
    let usable: Vec<&str> = headers.usable().collect();
    let id_column = contact_id_column(sample.headers, sample.rows);
    let usable: Vec<&str> = usable
        .into_iter()
        .filter(|h| Some(*h) != id_column.as_deref())
        .collect();
    let mut chosen = recognise(&usable);
    let mut notes: Vec<String> = Vec::new();
    if let Some(at) = chosen.iter().position(|(t, cols)| {
        *t == Target::Field("address1") && is_combined_address(sample, cols[0])
    }) {
        let (_, cols) = chosen.remove(at);
        notes.push(format!(
            "# {} holds street, city, state, ZIP and country in one cell, two spaces apart;\n\
             # HighLevel keeps them apart, so it is left out rather than written whole into address1.",
            quote(cols[0])
        ));
    }
    let customs: Vec<(&str, &str)> = usable
        .iter()
        .filter(|h| !chosen.iter().any(|(_, cols)| cols.contains(h)))
        .filter_map(|h| custom_field_key(h).map(|key| (*h, key)))
        .collect();
    let mapped = |h: &str| {
        chosen.iter().any(|(_, cols)| cols.contains(&h)) || customs.iter().any(|(c, _)| *c == h)
    };
    let leftovers: Vec<&str> = usable.iter().copied().filter(|h| !mapped(h)).collect();
    let unmapped = leftovers
        .iter()
        .filter(|h| column(sample, h).next().is_some())
        .map(|h| h.to_string())
        .collect();
    let has = |f: &'static str| chosen.iter().any(|(t, _)| *t == Target::Field(f));
    let has_identity = has("email") || has("phone");

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
        "# A date of birth such as 03/04/1990 reads two ways: the row's country settles it, and\n\
         # one nothing settles is left out with a warning (dob_ambiguous). Say how the file\n\
         # writes them: \"mdy\" (month first, as in the US) or \"dmy\" (day first).\n\
         # date_order = \"mdy\"\n\n",
    );
    if sample.header_row > 1 {
        let _ = writeln!(
            out,
            "[source]\n# The rows above row {row} are titles, not data: the header is row {row}.\n\
             header_row = {row}\n",
            row = sample.header_row
        );
    }
    out.push_str("[fields]\n");
    if let Some(h) = &id_column {
        let _ = writeln!(
            out,
            "# HighLevel contact ids: a row with one updates that contact (email and phone may\n\
             # change); leave the cell empty for a new contact.\nid = {}",
            quote(h)
        );
    }
    for (target, cols) in &chosen {
        if let Target::Field(f) = target {
            match cols.as_slice() {
                [one] => {
                    let _ = writeln!(out, "{f} = {}", quote(one));
                }
                many => {
                    let _ = writeln!(out, "{f} = {{ first_of = [{}] }}", quote_list(many));
                }
            }
        }
    }
    if !has_identity {
        out.push_str(
            "# No email or phone column was recognised: every row will be rejected until you\n\
             # map one, e.g. email = \"<column>\".\n",
        );
    }
    for note in &notes {
        let _ = writeln!(out, "{note}");
    }
    if let Some((_, cols)) = chosen.iter().find(|(t, _)| *t == Target::FullName) {
        if !has("firstName") && has("lastName") && single_words(column(sample, cols[0])) {
            // "Name" beside "Surname" (a common European export) holds first names: sent as
            // HighLevel's whole `name` it would leave every contact without a first name.
            let _ = writeln!(
                out,
                "# \"{}\" sits beside a last-name column and holds one word per row: first names.\nfirstName = {}",
                cols[0],
                quote(cols[0])
            );
        } else if has("firstName") || has("lastName") {
            let _ = writeln!(out, "name = {}", quote(cols[0]));
        } else {
            let _ = writeln!(
                out,
                "\n# \"{}\" holds whole names: split into first and last name.\n[split_name]\ncolumn = {}",
                cols[0],
                quote(cols[0])
            );
        }
    }
    for (column, key) in &customs {
        let _ = writeln!(
            out,
            "\n# Exported by ghl-bulk: the custom field {key}.\n[[custom_fields]]\nkey = {}\ncolumn = {}",
            quote(key),
            quote(column)
        );
    }
    if let Some((Target::Tags(delimiter, ignore), cols)) =
        chosen.iter().find(|(t, _)| matches!(t, Target::Tags(..)))
    {
        out.push_str("\n[tags]\n");
        if column(sample, cols[0]).any(|c| quoted_list(c).is_some_and(|items| items.len() > 1)) {
            out.push_str(
                "# Its cells are lists of quoted tags (\"Tag, with comma\",\"Other\"): each quoted\n\
                 # item is one tag, commas and all, whatever the delimiter.\n",
            );
        }
        let _ = writeln!(
            out,
            "columns = [{}]\ndelimiter = {}",
            quote(cols[0]),
            quote(delimiter)
        );
        if !ignore.is_empty() {
            let _ = writeln!(
                out,
                "# Google's system groups, which are not tags.\nignore = [{}]",
                quote_list(ignore)
            );
        }
        out.push_str("# constant = [\"imported\"]\n");
    }
    if let Some((_, cols)) = chosen.iter().find(|(t, _)| *t == Target::Note) {
        let _ = writeln!(out, "\n[notes]\ncolumns = [{}]", quote(cols[0]));
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
    Drafted {
        text: out,
        has_identity,
        unmapped,
    }
}

#[cfg(test)]
mod tests;
