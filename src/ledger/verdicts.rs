//! What the ledger records about a row that did not simply go through: why it was refused
//! (`Rejection`), what went wrong delivering it (`RowError`), and what was kept differently or
//! left out (`Warning`). Named fields where there were tuples whose order had to be remembered.

/// Why a row was refused, as the reject files say it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rejection {
    /// Where: `read`, `validate`, `dedupe`, `resolve`, `deliver`, `delete`.
    pub stage: String,
    /// The blocking issue's stable code.
    pub code: String,
    /// The field concerned (`row` for the whole row).
    pub field: String,
    /// For a person.
    pub message: String,
}

impl Rejection {
    /// A rejection at `stage`.
    pub fn new(
        stage: impl Into<String>,
        code: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Rejection {
        Rejection {
            stage: stage.into(),
            code: code.into(),
            field: field.into(),
            message: message.into(),
        }
    }
}

/// What went wrong with a row's requests (failed, or refused by the location for good).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RowError {
    /// The stable code (`http_422`, `not_found`, …).
    pub code: String,
    /// The field concerned (may be empty).
    pub field: String,
    /// For a person.
    pub message: String,
}

impl RowError {
    /// An error on `field`.
    pub fn new(
        code: impl Into<String>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> RowError {
        RowError {
            code: code.into(),
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A value of a row kept differently or left out, the row still delivered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Warning {
    /// The field concerned.
    pub field: String,
    /// The stable code.
    pub code: String,
    /// For a person.
    pub message: String,
}

/// From the `(field, code, message)` triples the delivery's planning and its honest-result
/// comparison produce.
impl From<(String, String, String)> for Warning {
    fn from((field, code, message): (String, String, String)) -> Warning {
        Warning {
            field,
            code,
            message,
        }
    }
}
