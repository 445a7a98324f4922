//! Writes dedupe's groups back to the ledger: each group's payloads are read, merged in file
//! order (`Contact::merge_from`) and written to the survivor; the other rows become `merged`.
//! Groups are handled in batches, one transaction each, so memory holds one batch of payloads.

use crate::contact::Contact;
use crate::ledger::{Ledger, LedgerError, MergedGroup};

use super::PipelineError;

/// Groups per transaction.
const BATCH: usize = 5000;

/// How many groups there were and how many rows they folded away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DedupeStats {
    /// Groups of two or more rows.
    pub groups: u64,
    /// Rows that became `merged`.
    pub merged_rows: u64,
}

pub(crate) fn merge_groups(
    ledger: &mut Ledger,
    groups: Vec<Vec<u64>>,
) -> Result<DedupeStats, PipelineError> {
    let mut stats = DedupeStats::default();
    for batch in groups.chunks(BATCH) {
        let mut merged = Vec::with_capacity(batch.len());
        for group in batch {
            let payloads = ledger.payloads(group)?;
            let mut rows = payloads.into_iter();
            let Some((survivor, first)) = rows.next() else {
                continue;
            };
            let mut contact = parse(ledger, survivor, &first)?;
            let mut others = Vec::with_capacity(group.len() - 1);
            for (row, payload) in rows {
                contact.merge_from(&parse(ledger, row, &payload)?);
                others.push(row);
            }
            stats.groups += 1;
            stats.merged_rows += others.len() as u64;
            merged.push(MergedGroup {
                survivor,
                payload_json: serde_json::to_string(&contact).unwrap_or(first),
                merged: others,
            });
        }
        ledger.apply_merges(&merged)?;
    }
    Ok(stats)
}

fn parse(ledger: &Ledger, row: u64, json: &str) -> Result<Contact, PipelineError> {
    serde_json::from_str(json).map_err(|source| {
        PipelineError::Ledger(LedgerError::Payload {
            path: ledger.path().to_path_buf(),
            row,
            source,
        })
    })
}
