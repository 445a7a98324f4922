//! Per-row issues: a stable code (documented in the README, used in reject files and
//! summary.json), the field it concerns, a message for a person, and whether it blocks the row.

use serde::Serialize;

use super::fields::StdField;

/// The stable issue codes of the validate stage (the reader's own, such as `ragged_row`, come
/// from `source::RowDefect`). Renaming one is a breaking change for anyone filtering reject
/// files; the README lists them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueCode {
    /// Neither a valid email nor a valid phone: the row cannot be matched or upserted.
    NoIdentity,
    /// The email fails the syntax check.
    EmailInvalid,
    /// The phone cannot be parsed, or is not a valid number for its region.
    PhoneInvalid,
    /// The phone had an extension; HighLevel's `phone` takes none, so it was left out.
    PhoneExtensionDropped,
    /// The country is neither a known code nor a known name.
    CountryInvalid,
    /// The date of birth is in no accepted format, or is not a real date.
    DobInvalid,
    /// The timezone is not an IANA name.
    TimezoneInvalid,
    /// The website is not a plausible web address.
    WebsiteInvalid,
    /// The dnd value is not a recognisable yes/no.
    DndInvalid,
    /// A task's due date is missing or not a date (the task is left out, or the row rejected).
    TaskDueInvalid,
    /// A day/month date of birth that neither the mapping's `date_order` nor the row's country
    /// settles, where both readings are real dates: left out rather than guessed.
    DobAmbiguous,
    /// A cell held control characters (NUL, ESC…): they were removed, never sent.
    ControlCharacters,
    /// A postal code of a country with fixed-length codes came in short (a spreadsheet read
    /// it as a number and dropped its leading zeros): the zeros were put back.
    PostalCodeTruncated,
    /// The reader's warning: a field that is not valid UTF-8, in a file that otherwise is, was
    /// read as windows-1252 (`source::RowDefect` with `blocking` false).
    EncodingMixed,
    /// The contact id column holds something that is not a HighLevel contact id.
    ContactIdInvalid,
}

impl IssueCode {
    /// The code as written to reject files and summary.json.
    pub fn as_str(self) -> &'static str {
        match self {
            IssueCode::NoIdentity => "no_identity",
            IssueCode::EmailInvalid => "email_invalid",
            IssueCode::PhoneInvalid => "phone_invalid",
            IssueCode::PhoneExtensionDropped => "phone_extension_dropped",
            IssueCode::CountryInvalid => "country_invalid",
            IssueCode::DobInvalid => "dob_invalid",
            IssueCode::TimezoneInvalid => "timezone_invalid",
            IssueCode::WebsiteInvalid => "website_invalid",
            IssueCode::DndInvalid => "dnd_invalid",
            IssueCode::TaskDueInvalid => "task_due_invalid",
            IssueCode::DobAmbiguous => "dob_ambiguous",
            IssueCode::ControlCharacters => "control_characters",
            IssueCode::PostalCodeTruncated => "postal_code_truncated",
            IssueCode::EncodingMixed => "encoding_mixed",
            IssueCode::ContactIdInvalid => "contact_id_invalid",
        }
    }
}

impl std::fmt::Display for IssueCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a normaliser reports about a bad value, before a policy decides if it blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The stable code.
    pub code: IssueCode,
    /// For a person: what is wrong and, where possible, how to fix it.
    pub message: String,
}

impl Problem {
    /// A problem with this code and message.
    pub fn new(code: IssueCode, message: impl Into<String>) -> Problem {
        Problem {
            code,
            message: message.into(),
        }
    }
}

/// One issue on one row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowIssue {
    /// The field concerned (DTO name, `customFields.<key>`, or `row`).
    pub field: String,
    /// The stable code.
    pub code: IssueCode,
    /// For a person.
    pub message: String,
    /// Whether this issue rejects the row.
    pub blocking: bool,
}

impl RowIssue {
    /// A non-blocking issue on a standard field.
    pub fn warning(field: StdField, problem: Problem) -> RowIssue {
        RowIssue {
            field: field.name().to_string(),
            code: problem.code,
            message: problem.message,
            blocking: false,
        }
    }
}
