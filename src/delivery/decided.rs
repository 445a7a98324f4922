//! Carrying out the view's verdict for a row (`view::decide`): `create` is one
//! `POST /contacts/` with the tags inline; `update` sends only the fields that differ (`PUT`,
//! or an upsert when `companyName` differs, which the update DTO lacks) and leaves the missing
//! tags to the bulk add; `unchanged` sends nothing; a `conflict` is rejected, skipped or
//! upserted as `--on-conflict` says.
//!
//! Search lag: a create answered with the duplicate 400 met a contact the view could not see.
//! It is read (`GET`) and the row decided again against it, so a fresh contact is updated and
//! someone else's is never overwritten unasked.

use super::by_id::Refusal;
use super::engine::with_ledger;
use super::plan::RowPlan;
use super::resolve::{self, Failure, History, KnownContact, Resolved, Via};
use super::{Mode, OnConflict, OnDuplicate};
use crate::api::models::{Contact, ContactFields};
use crate::api::{ApiError, Client};
use crate::ledger::{Action, BeforeCapture, Decision, Ledger, LedgerError};
use crate::view::decide;
use std::collections::HashMap;
use std::sync::Mutex;

/// A row's decision, with the contact the view read for it (its before-image).
#[derive(Debug, Clone)]
pub(super) struct Decided {
    pub decision: Decision,
    pub contact: Option<Contact>,
}

impl Decided {
    /// For an `unchanged` row that still has notes or a task to add: its contact, known
    /// without a request (its tags are the row's, which the contact has).
    pub(super) fn unchanged_contact(&self, plan: &RowPlan) -> Option<KnownContact> {
        match (&self.decision.action, &self.decision.contact_id) {
            (Action::Unchanged, Some(id)) => Some(KnownContact {
                contact_id: id.clone(),
                created: false,
                tags_before: plan.tags.clone(),
            }),
            _ => None,
        }
    }
}

/// The decisions of `rows`, with the contact each update was decided against:
/// one statement for the rows' decisions, one more per update for its contact. Delivery reads
/// no decision's changes, so none are decoded.
pub(super) fn load(l: &Ledger, rows: &[u64]) -> Result<HashMap<u64, Decided>, LedgerError> {
    let mut out = HashMap::new();
    for decision in l.decisions_of(rows, |_| false)? {
        let row = decision.row;
        let contact = match (&decision.action, &decision.contact_id) {
            (Action::Update, Some(id)) => l
                .before_image(id)?
                .and_then(|image| crate::view::read::typed_json(&image.contact_json)),
            _ => None,
        };
        out.insert(row, Decided { decision, contact });
    }
    Ok(out)
}

/// What a row's delivery ends as, short of what follows the contact (tags, notes, task).
pub(super) async fn carry_out(
    client: &Client,
    ledger: &Mutex<Ledger>,
    on_conflict: OnConflict,
    plan: &RowPlan,
    decided: Decided,
    history: History,
) -> Result<Resolved, Failure> {
    let Decided { decision, contact } = decided;
    match decision.action {
        Action::Create => create(client, ledger, on_conflict, plan, history).await,
        Action::Unchanged => Ok(Resolved::Unchanged {
            contact_id: decision.contact_id.unwrap_or_default(),
        }),
        Action::Update => match contact {
            Some(contact) => update(client, plan, contact).await,
            // The image is missing (a ledger edited by hand): the row goes as a blind one.
            None => resolve::resolve(client, Mode::Upsert, plan, history).await,
        },
        Action::Conflict => conflict(client, on_conflict, plan, &decision, history).await,
    }
}

async fn conflict(
    client: &Client,
    on_conflict: OnConflict,
    plan: &RowPlan,
    decision: &Decision,
    history: History,
) -> Result<Resolved, Failure> {
    let reason = decision.reason.clone().unwrap_or_else(|| {
        format!(
            "the row's identities belong to {}",
            decision.others.join(", ")
        )
    });
    match on_conflict {
        OnConflict::Reject => Ok(Resolved::Refused(Refusal {
            code: "identity_conflict",
            field: "email/phone",
            message: reason,
        })),
        OnConflict::Skip => Ok(Resolved::ConflictSkipped {
            contact_id: decision.contact_id.clone().unwrap_or_default(),
            reason,
        }),
        // HighLevel's own matching decides which contact takes the row's values.
        OnConflict::Update => resolve::resolve(client, Mode::Upsert, plan, history).await,
    }
}

/// Only the differing fields; nothing at all when only tags (or the business) differ.
async fn update(client: &Client, plan: &RowPlan, contact: Contact) -> Result<Resolved, Failure> {
    let body = decide::update_body(plan, &contact);
    if body == ContactFields::default() {
        return Ok(Resolved::Contact {
            contact: Box::new(contact),
            created: false,
            via: Via::Known,
        });
    }
    if body.std.company_name.is_some() {
        // The update DTO has no `companyName`: an upsert carries it. The row's email and phone
        // go along to be matched; the view saw both on this very contact (or free).
        let mut fields = body;
        fields.std.email = plan.fields.std.email.clone();
        fields.std.phone = plan.fields.std.phone.clone();
        let response = client
            .upsert(&fields)
            .await
            .map_err(|e| ("api_refused", e))?;
        return Ok(Resolved::Contact {
            contact: Box::new(response.contact),
            created: response.new,
            via: Via::Upsert,
        });
    }
    let response = client
        .update_contact(&contact.id, &body)
        .await
        .map_err(|e| ("api_refused", e))?;
    resolve::updated(client, &contact.id, response).await
}

async fn create(
    client: &Client,
    ledger: &Mutex<Ledger>,
    on_conflict: OnConflict,
    plan: &RowPlan,
    history: History,
) -> Result<Resolved, Failure> {
    // Sent before (a resume): the blind create's look-up-first rules apply.
    if history.sent_before {
        let mode = Mode::Create(OnDuplicate::Update);
        return resolve::resolve(client, mode, plan, history).await;
    }
    let error = match client.create(&plan.fields_with_tags()).await {
        Ok(contact) => {
            return Ok(Resolved::Contact {
                contact: Box::new(contact),
                created: true,
                via: Via::Create,
            })
        }
        Err(error) => error,
    };
    let Some(id) = error.duplicate_contact_id().map(str::to_string) else {
        return match error {
            ApiError::InDoubt { .. } | ApiError::NoContactId { .. } => {
                let doubted = History {
                    sent_before: true,
                    ..history
                };
                resolve::resolve(client, Mode::Create(OnDuplicate::Update), plan, doubted).await
            }
            error => Err(("api_refused", error)),
        };
    };
    let found = client
        .get_contact(&id)
        .await
        .map_err(|e| ("lookup_failed", e))?;
    let decision = redecide(plan, &found);
    if matches!(decision.action, Action::Update | Action::Conflict) {
        keep_before_image(ledger, plan, &found).map_err(|e| ("before_image_failed", e))?;
    }
    match decision.action {
        Action::Unchanged => Ok(Resolved::Unchanged { contact_id: id }),
        Action::Update => update(client, plan, found).await,
        Action::Conflict => conflict(client, on_conflict, plan, &decision, history).await,
        // The contact matched neither identity (it cannot, HighLevel named it): fail the row.
        Action::Create => Err(("api_refused", error)),
    }
}

/// The row decided again against the contact a create met.
fn redecide(plan: &RowPlan, found: &Contact) -> Decision {
    let std = &plan.fields.std;
    let by_email = std
        .email
        .as_deref()
        .zip(found.std.email.as_deref())
        .is_some_and(|(a, b)| !a.is_empty() && a.eq_ignore_ascii_case(b));
    let by_phone = std
        .phone
        .as_deref()
        .zip(found.std.phone.as_deref())
        .is_some_and(|(a, b)| !a.is_empty() && a == b);
    let by_email = by_email || !by_phone;
    decide::decide(plan, by_email.then_some(found), by_phone.then_some(found))
}

/// The contact a create met, kept so an undo can restore it.
fn keep_before_image(
    ledger: &Mutex<Ledger>,
    plan: &RowPlan,
    found: &Contact,
) -> Result<(), ApiError> {
    let capture = BeforeCapture {
        row: plan.row,
        sent_json: serde_json::to_string(&decide::update_body(plan, found)).unwrap_or_default(),
        images: vec![(
            found.id.clone(),
            found.date_updated.clone(),
            serde_json::to_string(found).unwrap_or_default(),
        )],
    };
    let now = crate::run::clock::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    with_ledger(ledger, |l| l.record_before(&[capture], &now))
        .map_err(|e| ApiError::Build(format!("the before-image could not be kept: {e}")))
}
