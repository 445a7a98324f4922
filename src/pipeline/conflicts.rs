//! Rows dedupe kept out of a group because their identity contradicts an earlier row's (issue
//! 21): a phone another person holds (`phone_shared`, handled as `[dedupe] shared_phone` says)
//! or an email or phone held by a row naming another contact id (`identity_conflict`). Each is
//! rejected with a message naming the row that holds the key, or (`drop_phone`) kept without
//! its phone and with a warning.

use crate::contact::Contact;
use crate::dedupe::{Conflict, ConflictKind};
use crate::ledger::{ConflictRejection, Ledger, PhoneDropped};
use crate::mapping::SharedPhone;

use super::PipelineError;

/// The issue code of a row whose phone another person of the file holds.
pub const PHONE_SHARED: &str = "phone_shared";
/// The issue code of a row whose email or phone another contact id holds.
pub const IDENTITY_CONFLICT: &str = "identity_conflict";

/// How many rows each verdict touched.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConflictStats {
    /// Rows sharing a phone with another person (rejected, or kept without the phone).
    pub phone_shared: u64,
    /// Of those, the rows kept without their phone (`drop_phone`).
    pub phone_dropped: u64,
    /// Rows rejected as `identity_conflict`.
    pub identity_conflicts: u64,
}

/// Writes dedupe's verdicts to the ledger (before the groups are merged, so a row that loses
/// its phone is merged without it).
pub(crate) fn apply(
    ledger: &mut Ledger,
    conflicts: &[Conflict],
    policy: SharedPhone,
) -> Result<ConflictStats, PipelineError> {
    let mut stats = ConflictStats::default();
    if conflicts.is_empty() {
        return Ok(stats);
    }
    let mut wanted: Vec<u64> = conflicts.iter().flat_map(|c| [c.row, c.holder]).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let payloads = ledger.payloads(&wanted)?;
    let contact = |row: u64| -> Contact {
        payloads
            .binary_search_by_key(&row, |(r, _)| *r)
            .ok()
            .map(|i| payloads[i].1.clone())
            .unwrap_or_default()
    };
    let mut rejected: Vec<ConflictRejection> = Vec::new();
    let mut dropped: Vec<PhoneDropped> = Vec::new();
    for c in conflicts {
        let mut mine = contact(c.row);
        let holder = contact(c.holder);
        match c.kind {
            ConflictKind::IdentityConflict => {
                stats.identity_conflicts += 1;
                let (field, value) = if c.on_phone {
                    ("phone", mine.std.phone.clone())
                } else {
                    ("email", mine.std.email.clone())
                };
                let owner = match &holder.id {
                    Some(id) => format!("row {} (contact id {id})", c.holder),
                    None => format!("row {}, which belongs to another contact id", c.holder),
                };
                let message = format!(
                    "its {field} {} is also on {owner}, and this row names contact id {}: one \
                     {field} cannot be two contacts, so nothing was merged or sent. Correct the \
                     {field} or the contact id.",
                    value.unwrap_or_default(),
                    mine.id.as_deref().unwrap_or("(none)"),
                );
                rejected.push(ConflictRejection {
                    row: c.row,
                    code: IDENTITY_CONFLICT,
                    field,
                    message,
                });
            }
            ConflictKind::PhoneShared => {
                stats.phone_shared += 1;
                let phone = mine.std.phone.clone().unwrap_or_default();
                let held_by = match &holder.std.email {
                    Some(email) => format!("row {} ({email})", c.holder),
                    None => format!("row {}", c.holder),
                };
                let keeps = policy == SharedPhone::DropPhone
                    && (mine.std.email.is_some() || mine.id.is_some());
                if keeps {
                    stats.phone_dropped += 1;
                    mine.std.phone = None;
                    let message = format!(
                        "imported without its phone {phone}: {held_by} holds it and is another \
                         person, and HighLevel matches contacts by phone ([dedupe] shared_phone \
                         = \"drop_phone\")"
                    );
                    let issues = with_warning(ledger.issues_json(c.row)?, &message);
                    dropped.push(PhoneDropped {
                        row: c.row,
                        contact: mine,
                        issues_json: issues,
                    });
                } else {
                    let message = if mine.std.email.is_none() && mine.id.is_none() {
                        format!(
                            "its phone {phone} is held by different people ({held_by} is one) \
                             and this row has no email to tell which one it is. Add its email, \
                             or remove the row."
                        )
                    } else {
                        format!(
                            "its phone {phone} is held by {held_by}, another person (another \
                             email, another name); HighLevel matches contacts by phone, so \
                             importing this row would overwrite that contact. Give this row its \
                             own phone, or set [dedupe] shared_phone = \"drop_phone\" to import \
                             it without the phone (\"merge\" if they are one person)."
                        )
                    };
                    rejected.push(ConflictRejection {
                        row: c.row,
                        code: PHONE_SHARED,
                        field: "phone",
                        message,
                    });
                }
            }
        }
    }
    ledger.apply_conflicts(&rejected, &dropped)?;
    Ok(stats)
}

/// The row's stored issues with a `phone_shared` warning added.
fn with_warning(issues_json: Option<String>, message: &str) -> String {
    let mut issues: Vec<serde_json::Value> = issues_json
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default();
    issues.push(serde_json::json!({
        "field": "phone",
        "code": PHONE_SHARED,
        "message": message,
        "blocking": false,
    }));
    serde_json::Value::Array(issues).to_string()
}
