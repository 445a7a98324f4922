//! What carrying a plan out costs, counted from its decisions: a `create` is one request (the
//! contact with its tags inline), an `update` one for its fields and a share of a bulk add-tags
//! request for the tags it adds (rows adding the same tags share one per 100: 1–2 per row at
//! most), `unchanged` none, a `conflict` none when rejected or skipped and one upsert when
//! `--on-conflict update`. Before it writes, `import --plan` checks that no planned contact
//! changed since: one search per [`SEARCH_BATCH`] contacts. Notes and tasks the mapping adds
//! come on top (one request each), as in the import's own estimate.

use std::collections::HashMap;

use crate::api::removal::SEARCH_BATCH;
use crate::delivery::OnConflict;
use crate::ledger::{Action, Decision};

/// Contacts per bulk add-tags request (`import --tag-batch`'s default).
const TAG_BATCH: u64 = 100;

/// The field name a change to the tags carries (HighLevel's).
const TAGS: &str = "tags";

/// The requests carrying a plan out sends, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CarryOut {
    /// What a conflict becomes.
    pub on_conflict: OnConflict,
    /// `POST /contacts/` (create rows).
    pub creates: u64,
    /// `PUT /contacts/{id}` (update rows that change a field).
    pub field_updates: u64,
    /// Update rows per set of tags they add (one bulk request per [`TAG_BATCH`] of a set).
    tag_groups: HashMap<String, u64>,
    /// Conflicts sent as upserts (`--on-conflict update`).
    pub conflict_upserts: u64,
    /// Planned contacts whose `dateUpdated` is checked first.
    pub checked_contacts: u64,
    /// Reads before the first write besides the check: the custom field definitions (when
    /// the mapping has custom fields), else the probe that learns the API's limits when
    /// nothing else was sent first.
    pub setup: u64,
}

impl CarryOut {
    /// An empty count for a plan whose conflicts become `on_conflict`.
    pub fn new(on_conflict: OnConflict) -> CarryOut {
        CarryOut {
            on_conflict,
            ..CarryOut::default()
        }
    }

    /// Counts one decision in.
    pub fn add(&mut self, decision: &Decision) {
        match decision.action {
            Action::Create => self.creates += 1,
            Action::Update => {
                let tags = decision.changes.iter().find(|c| c.field == TAGS);
                let fields = decision.changes.iter().any(|c| c.field != TAGS);
                // An update the view found nothing to send for is still one write: the safer
                // count (the view should have said `unchanged`).
                self.field_updates += u64::from(fields || tags.is_none());
                if let Some(tags) = tags {
                    // The view writes the added tags as `+tag`, `, `-joined.
                    let mut added: Vec<&str> = tags
                        .after
                        .split(", ")
                        .filter_map(|t| t.strip_prefix('+'))
                        .collect();
                    added.sort_unstable();
                    let key = if added.is_empty() {
                        tags.after.clone()
                    } else {
                        added.join("\u{1f}")
                    };
                    *self.tag_groups.entry(key).or_default() += 1;
                }
            }
            Action::Conflict if self.on_conflict == OnConflict::Update => {
                self.conflict_upserts += 1
            }
            Action::Unchanged | Action::Conflict => {}
        }
        if matches!(decision.action, Action::Update | Action::Unchanged)
            && decision.contact_id.is_some()
        {
            self.checked_contacts += 1;
        }
    }

    /// Bulk add-tags requests.
    pub fn tag_adds(&self) -> u64 {
        self.tag_groups
            .values()
            .map(|n| n.div_ceil(TAG_BATCH))
            .sum()
    }

    /// Write requests.
    pub fn writes(&self) -> u64 {
        self.creates + self.field_updates + self.tag_adds() + self.conflict_upserts
    }

    /// Search requests of the `dateUpdated` check.
    pub fn checks(&self) -> u64 {
        self.checked_contacts.div_ceil(SEARCH_BATCH as u64)
    }

    /// Counts the reads `import` sends before its first write: with rows to deliver, the
    /// custom field definitions when the mapping has custom fields, otherwise the probe
    /// that learns the API's limits unless the check already did.
    pub fn set_setup(&mut self, rows_to_deliver: u64, custom_fields: bool) {
        self.setup = match (rows_to_deliver, custom_fields) {
            (0, _) => 0,
            (_, true) => 1,
            (_, false) => u64::from(self.checks() == 0),
        };
    }

    /// Every request carrying the plan out sends (notes and tasks aside).
    pub fn total(&self) -> u64 {
        self.writes() + self.checks() + self.setup
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Change;
    use proptest::prelude::*;

    fn decision(action: Action, fields: &[&str]) -> Decision {
        Decision {
            row: 1,
            action,
            contact_id: (action != Action::Create).then(|| "c".to_string()),
            others: vec![],
            date_updated: None,
            changes: fields
                .iter()
                .map(|f| Change {
                    field: f.to_string(),
                    before: String::new(),
                    after: "x".into(),
                })
                .collect(),
            reason: None,
        }
    }

    #[test]
    fn each_action_costs_what_the_readme_says() {
        let cost = |d: Decision| {
            let mut c = CarryOut::default();
            c.add(&d);
            c.writes()
        };
        assert_eq!(cost(decision(Action::Create, &["email", "tags"])), 1);
        assert_eq!(cost(decision(Action::Update, &["companyName"])), 1);
        assert_eq!(cost(decision(Action::Update, &["tags"])), 1);
        assert_eq!(cost(decision(Action::Update, &["city", "tags"])), 2);
        assert_eq!(cost(decision(Action::Unchanged, &[])), 0);
        assert_eq!(cost(decision(Action::Conflict, &[])), 0);
        let mut upserted = CarryOut::new(OnConflict::Update);
        upserted.add(&decision(Action::Conflict, &[]));
        assert_eq!(upserted.writes(), 1);
    }

    #[test]
    fn rows_adding_the_same_tags_share_a_bulk_request() {
        let mut c = CarryOut::default();
        for _ in 0..150 {
            let mut d = decision(Action::Update, &[]);
            d.changes.push(Change {
                field: "tags".into(),
                before: "old".into(),
                after: "old, +vip, +expo".into(),
            });
            c.add(&d);
        }
        assert_eq!(c.tag_adds(), 2, "150 rows, 100 per request");
        assert_eq!(c.writes(), 2, "tags only: no field update");
    }

    #[test]
    fn setup_is_one_read_when_anything_is_delivered() {
        let mut only_creates = CarryOut::default();
        only_creates.add(&decision(Action::Create, &["email"]));
        only_creates.set_setup(1, false);
        assert_eq!(only_creates.total(), 2, "the create and the probe");
        only_creates.set_setup(1, true);
        assert_eq!(
            only_creates.total(),
            2,
            "the create and the custom fields read"
        );
        only_creates.set_setup(0, true);
        assert_eq!(only_creates.total(), 1);
        let mut checked = CarryOut::default();
        checked.add(&decision(Action::Unchanged, &[]));
        checked.set_setup(1, false);
        assert_eq!(checked.total(), 1, "the check's search learns the limits");
    }

    fn action() -> impl Strategy<Value = Action> {
        prop::sample::select(Action::ALL.to_vec())
    }

    proptest! {
        /// Writes stay within 1 per create and at most 2 per update (tag-only updates share
        /// their bulk request, so at least one per update that changes a field); the check is
        /// one search per batch of checked contacts, and only updates and unchanged rows count.
        #[test]
        fn totals_stay_within_the_documented_bounds(
            plan in prop::collection::vec((action(), any::<bool>(), any::<bool>()), 0..400)
        ) {
            let mut c = CarryOut::default();
            let (mut creates, mut updates, mut matched) = (0u64, 0u64, 0u64);
            let (mut field_updates, mut tag_updates) = (0u64, 0u64);
            for (action, tags, fields) in &plan {
                let mut changed = Vec::new();
                if *tags { changed.push("tags"); }
                if *fields { changed.push("firstName"); }
                c.add(&decision(*action, &changed));
                match action {
                    Action::Create => creates += 1,
                    Action::Update => {
                        updates += 1;
                        matched += 1;
                        field_updates += u64::from(*fields || !*tags);
                        tag_updates += u64::from(*tags);
                    }
                    Action::Unchanged => matched += 1,
                    Action::Conflict => {}
                }
            }
            prop_assert!(c.writes() >= creates + field_updates);
            prop_assert!(c.writes() <= creates + 2 * updates);
            prop_assert_eq!(c.tag_adds(), tag_updates.div_ceil(TAG_BATCH));
            prop_assert_eq!(c.checked_contacts, matched);
            prop_assert_eq!(c.checks(), matched.div_ceil(SEARCH_BATCH as u64));
            prop_assert_eq!(c.total(), c.writes() + c.checks());
        }
    }
}
