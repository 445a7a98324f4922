//! The writer stage of an export, on a blocking thread: each batch's contacts rendered by the
//! layout into the output's format (or a part of a combined file), the overlap's duplicates
//! left out, the watermark tracked, progress reported.

use std::path::PathBuf;

use tokio::sync::mpsc;

use super::columns::Layout;
use super::watermark::{Tracker, Window};
use super::writer::{OutputFormat, Shape, Sink};
use super::{Batch, ExportError};
use crate::run::progress::Progress;

/// The writer stage's inputs.
pub(super) struct WriterJob {
    pub(super) format: OutputFormat,
    pub(super) temp: PathBuf,
    /// Rows go to a part of a combined file (`Sink::part`), not a finished format.
    pub(super) part: bool,
    pub(super) layout: Layout,
    pub(super) shape: Shape,
    pub(super) window: Window,
    pub(super) tracker: Tracker,
    pub(super) progress: Progress,
    pub(super) slot: Option<super::board::Slot>,
}

/// What the writer stage hands back.
pub(super) struct Written {
    pub(super) file: std::fs::File,
    pub(super) written: u64,
    pub(super) duplicates: u64,
    pub(super) total: u64,
    pub(super) tracker: Tracker,
}

impl WriterJob {
    pub(super) fn run(
        mut self,
        file: std::fs::File,
        mut rx: mpsc::Receiver<Batch>,
    ) -> Result<Written, ExportError> {
        let headers = self.layout.headers();
        let mut sink = match self.part {
            true => Sink::part(file),
            false => Sink::create(self.format, file, &self.temp, &headers, &self.shape)?,
        };
        let (mut written, mut duplicates, mut total) = (0u64, 0u64, 0u64);
        let mut cells = Vec::new();
        while let Some(batch) = rx.blocking_recv() {
            total = total.max(batch.total);
            for (i, contact) in batch.contacts.iter().enumerate() {
                let id = contact.get("id").and_then(|v| v.as_str()).unwrap_or("");
                let updated = contact
                    .get("dateUpdated")
                    .and_then(|v| v.as_str())
                    .unwrap_or("");
                self.tracker.see(id, updated);
                if self.window.is_duplicate(id, updated) {
                    duplicates += 1;
                    continue;
                }
                let related = batch.related.as_ref().and_then(|r| r.get(i));
                if self.format == OutputFormat::Jsonl {
                    sink.write_json(&self.layout.json_record(contact, related), &self.temp)?;
                } else {
                    self.layout.render(contact, related, &mut cells);
                    sink.write_row(&cells, &self.temp)?;
                }
                written += 1;
            }
            self.progress.set_length(total.max(written + duplicates));
            self.progress.set_position(written + duplicates);
            if let Some(slot) = &self.slot {
                slot.set(written + duplicates, total.max(written + duplicates));
            }
        }
        let file = sink.finish(&self.temp)?;
        Ok(Written {
            file,
            written,
            duplicates,
            total,
            tracker: self.tracker,
        })
    }
}
