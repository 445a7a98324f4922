//! The server view: before delivery, what the location holds for the staged rows' emails and
//! phones, read at the lowest request cost (`survey`: a snapshot of the location or batched
//! look-ups; `read`), and each row's verdict from it (`decide`: create, update with only what
//! differs, unchanged, or conflict), written to the ledger as a `Decision` that delivery carries
//! out. The contacts updates and conflicts would write are kept as before-images, so an undo
//! restores them without `--undoable`.
//!
//! A stage, not a command: `import` runs it before delivery, `plan` runs it alone.

pub mod decide;
pub mod read;
pub mod survey;

pub use survey::Method;

use crate::api::removal::Identity;
use crate::api::{ApiError, Client};
use crate::delivery::plan::{plan_row, RowPlan};
use crate::delivery::{CustomFieldResolver, OnConflict};
use crate::ledger::{Action, BeforeCapture, Decision, Ledger, LedgerError};
use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};

/// Rows read from the ledger, decided and written at a time.
const CHUNK: usize = 1_000;

/// What the view needs besides the ledger and the client.
#[derive(Debug, Clone, Default)]
pub struct ViewOptions {
    /// `--on-conflict`; the run keeps the first one it recorded.
    pub on_conflict: OnConflict,
    /// The location's custom fields, to compare the row's custom values with the contact's.
    pub custom: CustomFieldResolver,
}

/// Where the view is, for a progress line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ViewProgress {
    /// Requests the view has sent (the survey included).
    pub requests: u64,
    /// Requests the chosen method should take in all (the survey included).
    pub planned: u64,
}

/// What the view did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ViewSummary {
    /// How the location was read; `None` when no row needed a decision (nothing was sent).
    pub method: Option<Method>,
    /// Contacts in the location when the survey read it.
    pub location_total: u64,
    /// Requests the view sent, the survey included.
    pub requests: u64,
    /// Rows decided in this call, per action.
    pub counts: BTreeMap<Action, u64>,
    /// Contacts of the location that carry one of the file's emails or phones.
    pub matched_contacts: u64,
    /// `--on-conflict` as the run recorded it.
    pub on_conflict: OnConflict,
    /// Every row was decided before this call (the plan `import --plan` carries out, or a
    /// resumed run): `counts` are then those earlier decisions.
    pub decided_earlier: bool,
}

impl ViewSummary {
    /// The estimate's line: the method, its cost, and the verdicts.
    pub fn line(&self) -> String {
        let method = match self.method {
            None if self.decided_earlier => {
                "decided before (by the plan, or before the resume), nothing read".to_string()
            }
            None => "no row needed reading the location".to_string(),
            Some(method) => format!(
                "read the location by {method} ({} contacts there): {}",
                crate::format::thousands(self.location_total),
                crate::format::counted(self.requests, "request", "requests"),
            ),
        };
        let counts: Vec<String> = Action::ALL
            .into_iter()
            .map(|a| format!("{} {a}", self.counts.get(&a).copied().unwrap_or(0)))
            .collect();
        format!("View: {method}; rows: {}.", counts.join(", "))
    }
}

/// Why the view failed: nothing was written to the location, and delivery must not start.
#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("reading the location failed: {0}")]
    Api(#[from] ApiError),
    #[error(transparent)]
    Read(#[from] read::ReadError),
    #[error("unknown --on-conflict recorded in the run: {0}")]
    Setting(String),
}

impl ViewError {
    /// The API error behind the failure, if any (for the run's error sorting).
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            ViewError::Api(e) | ViewError::Read(read::ReadError::Api(e)) => Some(e),
            _ => None,
        }
    }
}

/// Reads the location for the ledger's staged rows that have no decision yet and writes theirs
/// (with before-images for the contacts updates and conflicts would write). Rows that name a
/// contact id, have neither email nor phone, or were sent before (a resume) get none: delivery
/// handles them as a blind import does. No row left to decide: nothing is sent.
pub async fn read_and_decide(
    ledger: &mut Ledger,
    client: &Client,
    opts: &ViewOptions,
    progress: &(dyn Fn(&ViewProgress) + Sync),
) -> Result<ViewSummary, ViewError> {
    let on_conflict: OnConflict = ledger
        .pin_view_setting("on_conflict", opts.on_conflict.as_str())?
        .parse()
        .map_err(|e: crate::delivery::UnknownMode| ViewError::Setting(e.0))?;
    ledger.pin_view_setting("view", "planned")?;
    let mut summary = ViewSummary {
        on_conflict,
        ..ViewSummary::default()
    };
    let decided = ledger.decided_rows()?;
    let mut identities: HashSet<Identity> = HashSet::new();
    let mut rows = 0u64;
    each_candidate(ledger, &decided, &opts.custom, |plan| {
        rows += 1;
        identities.extend(identities_of(plan));
    })?;
    if rows == 0 {
        // Said as the decisions being carried out, not as "0 create, 0 update…", which read
        // as if the plan had nothing to do.
        summary.counts = ledger.decision_counts()?;
        summary.decided_earlier = !summary.counts.is_empty();
        return Ok(summary);
    }
    let mut identities: Vec<Identity> = identities.into_iter().collect();
    identities.sort();
    let searchable = identities.iter().filter(|i| i.searchable()).count() as u64;
    let long = identities.len() as u64 - searchable;

    let first = survey::first_page(client).await?;
    let total = first.total;
    let choice = survey::choose(total, searchable, long);
    let planned = 1 + choice.requests;
    progress(&ViewProgress {
        requests: 1,
        planned,
    });
    let sent = AtomicU64::new(1);
    let view = if total == 0 {
        read::ServerView::default()
    } else {
        let on_request = |n: u64| {
            sent.store(1 + n, Ordering::Relaxed);
            progress(&ViewProgress {
                requests: 1 + n,
                planned,
            });
        };
        read::read(client, choice.method, &identities, first, &on_request).await?
    };
    summary.method = Some(choice.method);
    summary.location_total = total;
    summary.requests = sent.load(Ordering::Relaxed);
    summary.matched_contacts = view.len() as u64;
    tracing::info!(
        method = %choice.method,
        location_total = total,
        requests = summary.requests,
        matched = view.len(),
        "Read the location's contacts for the file."
    );

    // Decided a ledger page at a time: a million rows never sit in memory at once.
    let now = crate::run::clock::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut after = 0;
    while let Some((plans, last)) = candidates_page(ledger, after, &decided, &opts.custom)? {
        after = last;
        let mut decisions = Vec::with_capacity(plans.len());
        let mut captures = Vec::new();
        for plan in &plans {
            let (decision, capture) = decide_row(plan, &view);
            *summary.counts.entry(decision.action).or_default() += 1;
            decisions.push(decision);
            captures.extend(capture);
        }
        ledger.put_decisions(&decisions)?;
        if !captures.is_empty() {
            ledger.record_before(&captures, &now)?;
        }
    }
    Ok(summary)
}

/// `import --dry-run`: the survey alone (one request, which also teaches the client the rate
/// limits) and the reading it would choose for the rows still to decide; `None` when no row
/// needs one (nothing sent).
pub async fn survey_only(
    ledger: &Ledger,
    client: &Client,
) -> Result<Option<survey::Choice>, ViewError> {
    let decided = ledger.decided_rows()?;
    let mut identities: HashSet<Identity> = HashSet::new();
    let mut rows = 0u64;
    let custom = CustomFieldResolver::default();
    each_candidate(ledger, &decided, &custom, |plan| {
        rows += 1;
        identities.extend(identities_of(plan));
    })?;
    if rows == 0 {
        return Ok(None);
    }
    let searchable = identities.iter().filter(|i| i.searchable()).count() as u64;
    let long = identities.len() as u64 - searchable;
    let total = survey::location_total(client).await?;
    Ok(Some(survey::choose(total, searchable, long)))
}

/// A row's email or phone to look a contact up by: none when empty (it matches no contact).
fn match_key(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|k| !k.is_empty())
}

/// One row's decision, and the before-images of the contacts it would write.
fn decide_row(plan: &RowPlan, view: &read::ServerView) -> (Decision, Option<BeforeCapture>) {
    let by_email = match_key(&plan.fields.std.email).and_then(|e| view.by_email(e));
    let by_phone = match_key(&plan.fields.std.phone).and_then(|p| view.by_phone(p));
    let decision = decide::decide(plan, by_email.map(|c| &c.0), by_phone.map(|c| &c.0));
    let capture = match decision.action {
        Action::Update | Action::Conflict => {
            let matched = by_email.into_iter().chain(by_phone);
            let mut images: Vec<(String, Option<String>, String)> = Vec::new();
            for (contact, raw) in matched {
                if !images.iter().any(|(id, _, _)| *id == contact.id) {
                    images.push((
                        contact.id.clone(),
                        contact.date_updated.clone(),
                        raw.to_string(),
                    ));
                }
            }
            let sent = match (decision.action, by_email.or(by_phone)) {
                (Action::Update, Some((contact, _))) => decide::update_body(plan, contact),
                _ => plan.fields.clone(),
            };
            Some(BeforeCapture {
                row: plan.row,
                sent_json: serde_json::to_string(&sent).unwrap_or_default(),
                images,
            })
        }
        Action::Create | Action::Unchanged => None,
    };
    (decision, capture)
}

/// The identities a row is matched by: its email (lower-case) and its phone.
fn identities_of(plan: &RowPlan) -> Vec<Identity> {
    let std = &plan.fields.std;
    let mut out = Vec::new();
    if let Some(email) = std.email.as_deref().filter(|e| !e.is_empty()) {
        out.push(Identity::Email(email.to_lowercase()));
    }
    if let Some(phone) = std.phone.as_deref().filter(|p| !p.is_empty()) {
        out.push(Identity::Phone(phone.to_string()));
    }
    out
}

/// Calls `f` with the plan of each staged row the view decides.
fn each_candidate(
    ledger: &Ledger,
    decided: &HashSet<u64>,
    custom: &CustomFieldResolver,
    mut f: impl FnMut(&RowPlan),
) -> Result<(), LedgerError> {
    let mut after = 0;
    while let Some((plans, last)) = candidates_page(ledger, after, decided, custom)? {
        after = last;
        plans.iter().for_each(&mut f);
    }
    Ok(())
}

/// The plans of the staged rows the view decides in the next ledger page after row `after`,
/// and the page's last row; `None` past the end. A row is decided when it has no decision yet,
/// was never sent, names no contact id, has an email or a phone, and its payload reads.
fn candidates_page(
    ledger: &Ledger,
    after: u64,
    decided: &HashSet<u64>,
    custom: &CustomFieldResolver,
) -> Result<Option<(Vec<RowPlan>, u64)>, LedgerError> {
    let batch = ledger.deliverable(after, CHUNK)?;
    let Some(last) = batch.last().map(|r| r.row) else {
        return Ok(None);
    };
    let plans = batch
        .into_iter()
        .filter(|staged| staged.attempts == 0 && !decided.contains(&staged.row))
        // An unreadable payload fails in delivery, with its message.
        .filter_map(|staged| plan_row(staged.row, &staged.payload_json, custom).ok())
        .filter(|plan| plan.contact_id.is_none() && !identities_of(plan).is_empty())
        .collect();
    Ok(Some((plans, last)))
}
