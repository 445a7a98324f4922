//! `--with-notes`: HighLevel has no bulk notes endpoint, so each contact costs one
//! `GET /contacts/{id}/notes`. The requests run concurrently (all through the location's one
//! limiter and retry policy) across page boundaries, and come out in the contacts' order.

use std::collections::VecDeque;

use futures_util::stream::{FuturesOrdered, StreamExt};
use serde_json::Value;
use tokio::sync::mpsc;

use super::{Batch, ExportError};
use crate::api::models::Note;
use crate::api::Client;

/// Contacts handed to the writer at a time.
const BATCH: usize = 100;

/// Reads batches without notes from `rx`, adds each contact's notes, sends them on to `tx` in
/// the same order. At most `concurrency` requests are in flight and at most `concurrency` plus
/// one page of contacts wait here.
pub async fn attach(
    client: &Client,
    concurrency: usize,
    mut rx: mpsc::Receiver<Batch>,
    tx: mpsc::Sender<Batch>,
) -> Result<(), ExportError> {
    let concurrency = concurrency.max(1);
    let mut waiting: VecDeque<Value> = VecDeque::new();
    let mut pending = FuturesOrdered::new();
    let mut input_open = true;
    let mut total = 0u64;
    let mut out = Batch::default();
    loop {
        while pending.len() < concurrency {
            let Some(contact) = waiting.pop_front() else {
                break;
            };
            pending.push_back(fetch(client, contact));
        }
        if pending.is_empty() && !input_open {
            break;
        }
        tokio::select! {
            page = rx.recv(), if input_open && waiting.len() < concurrency => match page {
                Some(page) => {
                    total = page.total;
                    waiting.extend(page.contacts);
                }
                None => input_open = false,
            },
            Some(done) = pending.next(), if !pending.is_empty() => {
                let (contact, notes) = done?;
                out.contacts.push(contact);
                out.notes.get_or_insert_with(Vec::new).push(notes);
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

async fn fetch(client: &Client, contact: Value) -> Result<(Value, Vec<Note>), ExportError> {
    let id = contact
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if id.is_empty() {
        return Ok((contact, Vec::new()));
    }
    let mut notes = client.list_notes(&id).await?;
    // Oldest first, as a person reads a history.
    notes.sort_by(|a, b| a.date_added.cmp(&b.date_added));
    Ok((contact, notes))
}
