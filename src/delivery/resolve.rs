//! Making sure a row's contact exists, as the mode says: upsert, create (duplicates updated or
//! skipped) or update-only. Each row's requests here run one after the other; what follows
//! (tags, notes, task, business) is the engine's.
//!
//! A create is the one request that may not be sent twice: when its outcome is unknown, or when
//! an earlier run sent it, a duplicate lookup goes first and only a miss allows sending again.

use super::plan::RowPlan;
use super::Mode;
use super::OnDuplicate;
use crate::api::models::Contact;
use crate::api::{ApiError, Client};
use chrono::{DateTime, Utc};

/// What the ledger says about a row's earlier attempts.
#[derive(Debug, Clone, Copy)]
pub(super) struct History {
    /// A request for the row left before (an earlier run, or an attempt whose answer was lost).
    pub sent_before: bool,
    /// When the row was first marked in doubt: nothing it created can be older.
    pub first_sent: DateTime<Utc>,
}

/// How the row's contact came to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Via {
    Upsert,
    Create,
    Update,
    /// An earlier attempt of the run already made sure of the contact and recorded it; only
    /// what follows (tags, business, notes, task) is left to do.
    Known,
}

/// What an earlier attempt recorded about a row's contact before it was stopped.
#[derive(Debug, Clone)]
pub(super) struct KnownContact {
    pub contact_id: String,
    pub created: bool,
    /// The contact's tags when the run first saw it.
    pub tags_before: Vec<String>,
}

impl KnownContact {
    /// The contact as far as the ledger knows it: what follows needs its id and tags only.
    pub(super) fn resolved(self) -> Resolved {
        Resolved::Contact {
            contact: Box::new(Contact {
                id: self.contact_id,
                tags: self.tags_before,
                ..Contact::default()
            }),
            created: self.created,
            via: Via::Known,
        }
    }
}

/// The contact side of a row, done.
#[derive(Debug)]
pub(super) enum Resolved {
    /// The contact as HighLevel returned it; `created` if this run made it.
    Contact {
        contact: Box<Contact>,
        created: bool,
        via: Via,
    },
    /// `create` met an existing contact and `--on-duplicate skip` leaves it alone.
    Skipped { contact_id: String },
    /// `update-only` found no contact to update.
    NotFound,
    /// The view found the row's values already on the contact: nothing was sent.
    Unchanged { contact_id: String },
    /// The view found an identity conflict and `--on-conflict skip` leaves the row alone.
    ConflictSkipped { contact_id: String, reason: String },
    /// The row names a contact id the location refuses (`by_id`): rejected.
    Refused(super::by_id::Refusal),
}

/// A request that ended the row: its code stem and the error.
pub(super) type Failure = (&'static str, ApiError);

/// Creates or finds the row's contact.
pub(super) async fn resolve(
    client: &Client,
    mode: Mode,
    plan: &RowPlan,
    history: History,
) -> Result<Resolved, Failure> {
    if let Some(id) = plan.contact_id.as_deref() {
        return super::by_id::update_by_id(client, plan, id).await;
    }
    match mode {
        Mode::Upsert => upsert(client, plan, history).await,
        Mode::Create(on_duplicate) => create(client, plan, on_duplicate, history).await,
        Mode::UpdateOnly => match lookup(client, plan).await? {
            Some(found) => update(client, plan, &found.id).await,
            None => Ok(Resolved::NotFound),
        },
    }
}

async fn upsert(client: &Client, plan: &RowPlan, history: History) -> Result<Resolved, Failure> {
    let (response, doubted) = match client.upsert_reporting_doubt(&plan.fields).await {
        Ok(response) => (response, history.sent_before),
        // The lost attempt may have created the contact; resending is safe (it finds it), but
        // its answer will then say `new: false`. Backed off like any retry.
        Err(ApiError::InDoubt { .. }) => {
            tokio::time::sleep(client.retry_policy().backoff(1)).await;
            let response = client.upsert(&plan.fields).await.map_err(|e| match e {
                ApiError::NoContactId { .. } => ("no_contact_id", e),
                e => ("api_refused", e),
            })?;
            (response, true)
        }
        Err(error @ ApiError::NoContactId { .. }) => return Err(("no_contact_id", error)),
        Err(error) => return Err(("api_refused", error)),
    };
    let created = response.new || (doubted && made_since(&response.contact, history.first_sent));
    Ok(Resolved::Contact {
        contact: Box::new(response.contact),
        created,
        via: Via::Upsert,
    })
}

async fn create(
    client: &Client,
    plan: &RowPlan,
    on_duplicate: OnDuplicate,
    history: History,
) -> Result<Resolved, Failure> {
    let body = plan.fields_with_tags();
    let mut doubted = history.sent_before;
    let mut last = None;
    for _ in 0..3 {
        if doubted {
            if let Some(found) = lookup(client, plan).await? {
                return found_after_doubt(client, plan, on_duplicate, history, found).await;
            }
        }
        match client.create(&body).await {
            Ok(contact) => {
                return Ok(Resolved::Contact {
                    contact: Box::new(contact),
                    created: true,
                    via: Via::Create,
                })
            }
            Err(error) => match error.duplicate_contact_id().map(str::to_string) {
                // After a lost attempt the "duplicate" may be that attempt's own contact (the
                // lookup can lag behind a fresh write): its age tells.
                Some(id) if doubted => {
                    let found = client
                        .get_contact(&id)
                        .await
                        .map_err(|e| ("lookup_failed", e))?;
                    return found_after_doubt(client, plan, on_duplicate, history, found).await;
                }
                Some(id) => return duplicate(client, plan, on_duplicate, &id).await,
                // A create answered without a usable id may have made a contact: as unknown
                // as a lost answer, so the lookup goes first.
                None if matches!(
                    error,
                    ApiError::InDoubt { .. } | ApiError::NoContactId { .. }
                ) =>
                {
                    doubted = true;
                    last = Some(error);
                }
                None => return Err(("api_refused", error)),
            },
        }
    }
    // Still unknown: the row fails, and a resume looks the contact up before creating again.
    Err((
        "create_in_doubt",
        last.unwrap_or(ApiError::Build("create attempts ran out".into())),
    ))
}

/// The contact an earlier, unanswered create may have made: this run's if it is young enough,
/// otherwise someone else's, which makes the row a duplicate.
async fn found_after_doubt(
    client: &Client,
    plan: &RowPlan,
    on_duplicate: OnDuplicate,
    history: History,
    found: Contact,
) -> Result<Resolved, Failure> {
    if made_since(&found, history.first_sent) {
        return Ok(Resolved::Contact {
            contact: Box::new(found),
            created: true,
            via: Via::Create,
        });
    }
    duplicate(client, plan, on_duplicate, &found.id).await
}

async fn duplicate(
    client: &Client,
    plan: &RowPlan,
    on_duplicate: OnDuplicate,
    id: &str,
) -> Result<Resolved, Failure> {
    match on_duplicate {
        OnDuplicate::Skip => Ok(Resolved::Skipped {
            contact_id: id.to_string(),
        }),
        OnDuplicate::Update => update(client, plan, id).await,
    }
}

/// `PUT` without tags; the contact as it is afterwards (read back if the answer lacks it).
async fn update(client: &Client, plan: &RowPlan, id: &str) -> Result<Resolved, Failure> {
    let response = client
        .update_contact(id, &plan.fields)
        .await
        .map_err(|e| ("api_refused", e))?;
    updated(client, id, response).await
}

/// The outcome of a PUT that succeeded: the contact it answered with, read back by id when the
/// answer left it out.
pub(super) async fn updated(
    client: &Client,
    id: &str,
    response: crate::api::models::UpdateResponse,
) -> Result<Resolved, Failure> {
    let contact = match response.contact.filter(|c| !c.id.is_empty()) {
        Some(contact) => contact,
        None => client
            .get_contact(id)
            .await
            .map_err(|e| ("lookup_failed", e))?,
    };
    Ok(Resolved::Contact {
        contact: Box::new(contact),
        created: false,
        via: Via::Update,
    })
}

async fn lookup(client: &Client, plan: &RowPlan) -> Result<Option<Contact>, Failure> {
    client
        .find_duplicate(
            plan.fields.std.email.as_deref(),
            plan.fields.std.phone.as_deref(),
        )
        .await
        .map_err(|e| ("lookup_failed", e))
}

/// Whether `contact` was created at or after `first_sent`, so by this row.
///
/// Used only when an earlier attempt of the row may have reached HighLevel unanswered. A
/// contact that existed before the run is older than the row's first send; one that this run
/// created is not. Every doubt counts as "not created here": wrongly saying "updated" leaves a
/// contact behind after an undo, wrongly saying "created" would let an undo delete someone
/// else's contact. So there is no allowance for clock skew: a HighLevel clock behind ours makes
/// a contact we created look older (reported `updated`, the safe side), and an allowance would
/// claim contacts someone else created just before the row was sent (the tests seed such
/// contacts a moment before the run). Compared at HighLevel's precision, milliseconds.
pub(super) fn made_since(contact: &Contact, first_sent: DateTime<Utc>) -> bool {
    contact
        .date_added
        .as_deref()
        .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
        .is_some_and(|added| added.timestamp_millis() >= first_sent.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn added(date: &str) -> Contact {
        Contact {
            date_added: Some(date.into()),
            ..Contact::default()
        }
    }

    #[test]
    fn a_contact_is_this_runs_when_not_older_than_the_first_send() {
        let first = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert!(made_since(&added("2026-11-23T10:00:02.123Z"), first));
        assert!(made_since(&added("2026-11-23T10:00:00.000Z"), first));
        assert!(!made_since(&added("2026-11-23T09:59:59.999Z"), first));
        assert!(!made_since(&added("2026-11-23T09:58:00.000Z"), first));
        assert!(!made_since(&added("2019-01-01T00:00:00Z"), first));
        assert!(!made_since(&added("yesterday"), first));
        assert!(!made_since(&Contact::default(), first));
    }
}
