//! `--with-notes`, `--with-tasks`, `--with-appointments`: HighLevel has no bulk endpoint for
//! any of them, so each contact costs one request per kind asked for. The requests run
//! concurrently (all through the location's one limiter and retry policy) across page
//! boundaries, and the contacts come out in their order, each with its lists.

use std::collections::VecDeque;

use serde_json::Value;
use tokio::sync::mpsc;

use super::{Batch, ExportError};
use crate::api::{Client, RelatedKind};
use crate::run::dispatch::Dispatch;

/// Contacts handed to the writer at a time.
const BATCH: usize = 100;

/// One contact's related lists, as the API returned them, for the kinds asked for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Related {
    lists: Vec<(RelatedKind, Vec<Value>)>,
}

impl Related {
    /// The list of `kind`, if it was fetched.
    pub fn get(&self, kind: RelatedKind) -> Option<&[Value]> {
        self.lists
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, items)| items.as_slice())
    }

    /// Every fetched list, in the order asked for.
    pub fn lists(&self) -> impl Iterator<Item = (RelatedKind, &[Value])> {
        self.lists.iter().map(|(k, v)| (*k, v.as_slice()))
    }

    /// Lists built directly (tests, and contacts without an id).
    pub fn from_lists(lists: Vec<(RelatedKind, Vec<Value>)>) -> Related {
        Related { lists }
    }
}

/// Reads batches from `rx`, adds each contact's lists of `kinds`, sends them on to `tx` in the
/// same order. At most `concurrency` requests are in flight (a contact's kinds go together), and
/// at most that many contacts plus one page wait here.
pub async fn attach(
    client: &Client,
    kinds: &[RelatedKind],
    concurrency: usize,
    mut rx: mpsc::Receiver<Batch>,
    tx: mpsc::Sender<Batch>,
) -> Result<(), ExportError> {
    let contacts_in_flight = (concurrency / kinds.len().max(1)).max(1);
    let mut waiting: VecDeque<Value> = VecDeque::new();
    // Uncancellable: a stop drops the export's stages, and with them what is in flight.
    let mut pending = Dispatch::uncancellable(contacts_in_flight).in_sending_order();
    let mut input_open = true;
    let mut total = 0u64;
    let mut out = Batch::default();
    loop {
        pending.fill(&mut std::iter::from_fn(|| waiting.pop_front()), |contact| {
            fetch(client, kinds, contact)
        });
        if pending.is_empty() && !input_open {
            break;
        }
        tokio::select! {
            page = rx.recv(), if input_open && waiting.len() < contacts_in_flight => match page {
                Some(page) => {
                    total = page.total;
                    waiting.extend(page.contacts);
                }
                None => input_open = false,
            },
            Some(done) = pending.next(), if !pending.is_empty() => {
                let (contact, related) = done?;
                out.contacts.push(contact);
                out.related.get_or_insert_with(Vec::new).push(related);
                // Hand over full batches, and whatever is done when nothing else is in flight,
                // so the writer (and the progress bar) never waits on a half-full batch.
                if out.contacts.len() >= BATCH || pending.is_empty() {
                    out.total = total;
                    if tx.send(std::mem::take(&mut out)).await.is_err() {
                        return Ok(());
                    }
                }
            }
        }
    }
    if !out.contacts.is_empty() {
        out.total = total;
        let _ = tx.send(out).await;
    }
    Ok(())
}

async fn fetch(
    client: &Client,
    kinds: &[RelatedKind],
    contact: Value,
) -> Result<(Value, Related), ExportError> {
    let id = contact
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if id.is_empty() {
        let empty = kinds.iter().map(|k| (*k, Vec::new())).collect();
        return Ok((contact, Related::from_lists(empty)));
    }
    let lists = futures_util::future::try_join_all(kinds.iter().map(|&kind| {
        let id = &id;
        async move {
            let mut items = client.list_related(kind, id).await?;
            if kind == RelatedKind::Notes {
                // Oldest first, as a person reads a history.
                items.sort_by(|a, b| date_added(a).cmp(date_added(b)));
            }
            Ok::<_, ExportError>((kind, items))
        }
    }))
    .await?;
    Ok((contact, Related::from_lists(lists)))
}

fn date_added(item: &Value) -> &str {
    item.get("dateAdded").and_then(Value::as_str).unwrap_or("")
}
