//! The run ledger's SQL schema, as its list of migrations (see `migrations.rs`). Version 1 is
//! the schema every ledger had before the numbering: columns for delivery (contact id,
//! attempts, created, tags before/added, note and task ids, last status/error) exist from it,
//! the local stages leave them NULL / 0. Version 2 creates the tables that earlier builds
//! created on first use (delivery, before-images, follow-ups, delta, request sessions), `IF NOT
//! EXISTS`: a ledger that got some of them already keeps them as they are. A migration, once
//! released, never changes: a new change is a new entry.

use super::migrations::Schema;

/// The schema version this build writes (`PRAGMA user_version`, and `meta.schema_version`
/// where earlier builds recorded it).
pub const SCHEMA_VERSION: u32 = 5;

/// The run ledger's migrations.
pub(super) const RUN_LEDGER: Schema = Schema {
    migrations: &[
        &[V1_TABLES, INDEXES, V1_META],
        &[V2_TABLES, V2_META],
        &[V3_DECISIONS, V3_META],
        &[V4_META],
        &[V5_META],
    ],
    marker_table: "rows",
};

/// The undo's ledger (`undo.db`): its tables are all `IF NOT EXISTS`, so version 1 is also
/// what a file from before the numbering gets (it has them already).
pub(super) const UNDO_LEDGER: Schema = Schema {
    migrations: &[&[UNDO_V1]],
    marker_table: "undo_meta",
};

/// Version 1: every table; run once on a new file.
const V1_TABLES: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row: what this run read and with which settings. A resume refuses to continue when the
-- input fingerprint or the mapping hash differ.
CREATE TABLE run (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    tool_version   TEXT NOT NULL,
    started_at     TEXT NOT NULL,      -- RFC 3339, UTC
    finished_at    TEXT,
    input_path     TEXT NOT NULL,
    input_size     INTEGER NOT NULL,   -- bytes
    input_blake3   TEXT NOT NULL,      -- hex digest of the whole file
    mapping_path   TEXT NOT NULL,
    mapping_blake3 TEXT NOT NULL,
    options_json   TEXT NOT NULL,      -- the validated command-line plan
    headers_json   TEXT NOT NULL,      -- the input's header row
    dialect_json   TEXT,               -- what the reader sniffed (encoding, delimiter, sheet)
    exit_code      INTEGER,
    summary_json   TEXT
);

-- Every data row of the input, exactly once.
--   state: pending   valid, not yet delivered (the local pipeline's "valid")
--          in_doubt  a request was sent and its outcome is unknown (resolved on resume)
--          created | updated | unchanged   delivered (final)
--          merged    folded into `merged_into` by dedupe (final)
--          rejected  refused locally (final until the file is fixed)
--          failed    the API refused it or retries ran out (retried on resume)
CREATE TABLE rows (
    row              INTEGER PRIMARY KEY,  -- 1-based data row, as the reader numbers it
    state            TEXT NOT NULL,
    payload_json     TEXT,                 -- normalised contact (after a merge: the merged one)
    email            TEXT,                 -- identity keys, normalised
    phone            TEXT,
    merged_into      INTEGER,              -- for state = merged: the row delivered instead
    merged_key       TEXT,                 -- for state = merged: 'email' or 'phone' it shares
    merged_value     TEXT,                 --   with another row of its group, and the value
    stage            TEXT,                 -- for rejected/failed: read | map | validate | deliver
    code             TEXT,                 -- the blocking issue's code
    field            TEXT,
    message          TEXT,
    issues_json      TEXT,                 -- every issue, warnings included; NULL when none
    cells_json       TEXT NOT NULL,        -- the input cells (reject, duplicate, success files)
    contact_id       TEXT,                 -- delivery: HighLevel's id for the contact
    created          INTEGER,              -- delivery: 1 if this run created the contact
    attempts         INTEGER NOT NULL DEFAULT 0,
    tags_before_json TEXT,                 -- delivery: the contact's tags before this run
    tags_added_json  TEXT,                 -- delivery: tags this run added
    note_ids_json    TEXT,                 -- delivery: notes this run created
    task_ids_json    TEXT,                 -- delivery: tasks this run created
    last_status      INTEGER,              -- delivery: last HTTP status
    last_error       TEXT,
    updated_at       TEXT
);
"#;

/// Indexes. Version 1 creates them with the tables (a migration never changes), but a ledger
/// that `Ledger::create` makes drops them at once ([`DEFERRED_INDEXES`]) and they are built
/// once every row is staged (`Ledger::build_indexes` on the pipeline's ledger thread, beside
/// dedupe's resolving; else `make_durable`): measured with callgrind on the benchmark file
/// (issue 20, docs/BENCHMARKS.md), one sorted build costs less than half of keeping
/// `rows_by_state` up for every insert. Nothing before then asks rows by state. `IF NOT
/// EXISTS`, so running it again is harmless.
pub(super) const INDEXES: &str = "CREATE INDEX IF NOT EXISTS rows_by_state ON rows (state);";

/// What a new ledger drops right after its migrations: the indexes [`INDEXES`] builds again
/// once the rows are staged.
pub(super) const DEFERRED_INDEXES: &str = "DROP INDEX IF EXISTS rows_by_state;";

/// Version 2: the tables earlier builds created on first use.
const V2_TABLES: &str = "
-- delivery_warnings: warnings found while delivering (honest results)
CREATE TABLE IF NOT EXISTS delivery_warnings (
    row     INTEGER NOT NULL,
    field   TEXT NOT NULL,
    code    TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS delivery_warnings_by_row ON delivery_warnings (row);

-- what the delivery modes record beside rows (extras.rs)
CREATE TABLE IF NOT EXISTS delivery_rows (
    row               INTEGER PRIMARY KEY,
    first_sent_at     TEXT,   -- RFC 3339: when the row was first marked in doubt
    tags_removed_json TEXT,   -- tags this run took off the contact
    business_id       TEXT    -- the business this run attached the contact to
);
CREATE TABLE IF NOT EXISTS delivery_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- before-images, for an undo (before.rs)
-- One line per row whose before-images were taken (whether or not a contact matched): a
-- resume never takes them again, since by then the run may have written the contact.
CREATE TABLE IF NOT EXISTS before_rows (
    row         INTEGER PRIMARY KEY,
    captured_at TEXT NOT NULL,   -- RFC 3339
    sent_json   TEXT NOT NULL    -- the contact fields the row sends (what an undo restores)
);
-- Every contact matching a row's email or phone when the row was about to be written, as
-- HighLevel returned it. `seq` orders them: an undo uses a contact's earliest image.
CREATE TABLE IF NOT EXISTS before_images (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    row          INTEGER NOT NULL,
    contact_id   TEXT NOT NULL,
    date_updated TEXT,
    contact_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS before_images_by_contact ON before_images (contact_id, seq);
-- The `dateUpdated` the run's write of the row's contact returned.
CREATE TABLE IF NOT EXISTS row_writes (
    row          INTEGER PRIMARY KEY,
    date_updated TEXT
);

-- follow-ups across runs (followups.rs)
CREATE TABLE IF NOT EXISTS followups_known (
    row          INTEGER NOT NULL,
    key          TEXT NOT NULL,     -- note:<digest of its text> | task:<digest of the rule>
    contact_id   TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    completed    INTEGER NOT NULL,
    PRIMARY KEY (row, key)
);
CREATE TABLE IF NOT EXISTS followups_only (
    row        INTEGER PRIMARY KEY,
    contact_id TEXT NOT NULL        -- the contact, unchanged since the state store's delivery
);
CREATE TABLE IF NOT EXISTS followups_done (
    row          INTEGER NOT NULL,
    key          TEXT NOT NULL,
    contact_id   TEXT NOT NULL,
    item_id      TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    completed    INTEGER NOT NULL,
    action       TEXT NOT NULL,     -- created | updated | adopted | unchanged
    remembered   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (row, key)
);

-- delivered rows the state store remembers (delta.rs)
CREATE TABLE IF NOT EXISTS delta_remembered (
    row INTEGER PRIMARY KEY
);

-- request sessions and their series (series.rs)
CREATE TABLE IF NOT EXISTS request_sessions (
    session           INTEGER PRIMARY KEY,  -- 1 for the first delivery, then one per resume
    finished_at       TEXT NOT NULL,        -- RFC 3339, UTC
    stop              TEXT NOT NULL,        -- finished | interrupted | stopped: <why>
    requests          INTEGER NOT NULL,     -- every attempt sent, retries included
    status_429        INTEGER NOT NULL,
    retries           INTEGER NOT NULL,
    throttled_ms      INTEGER NOT NULL,     -- time requests waited for the rate limiter
    limit_max         INTEGER NOT NULL,     -- the limit followed at the end: requests per
    limit_interval_ms INTEGER NOT NULL,     --   interval
    endpoints_json    TEXT NOT NULL,        -- endpoint -> status -> count
    bucket_ms         INTEGER NOT NULL,     -- width of one bucket of request_series
    span_ms           INTEGER NOT NULL      -- first request sent to the last event counted
);
CREATE TABLE IF NOT EXISTS request_series (
    session  INTEGER NOT NULL,
    bucket   INTEGER NOT NULL,              -- index from the session's first request
    sent     INTEGER NOT NULL,
    status_429 INTEGER NOT NULL,
    PRIMARY KEY (session, bucket)
) WITHOUT ROWID;
";

const V1_META: &str = "INSERT INTO meta (key, value) VALUES ('schema_version', '1');";
const V2_META: &str = "UPDATE meta SET value = '2' WHERE key = 'schema_version';";

/// Version 3: the server-aware plan's verdict per row (`decisions.rs`).
const V3_DECISIONS: &str = "
CREATE TABLE IF NOT EXISTS decisions (
    row          INTEGER PRIMARY KEY,  -- the 1-based data row (a delivered row: pending/in_doubt)
    action       TEXT NOT NULL,        -- create | update | unchanged | conflict
    contact_id   TEXT,                 -- the contact the row matches (a conflict: the first one)
    others_json  TEXT NOT NULL DEFAULT '[]', -- a conflict: every contact it points at
    date_updated TEXT,                 -- the matched contact's dateUpdated when the view read it
    changes_json TEXT NOT NULL DEFAULT '[]', -- [{field, before, after}]
    reason       TEXT                  -- a conflict: what the reject file says
);
";
const V3_META: &str = "UPDATE meta SET value = '3' WHERE key = 'schema_version';";

/// Version 4: the compact row. No table changes, but what two columns may hold does, so a
/// build that knows only version 3 must refuse the file (it would read them wrong):
/// - `rows.payload_json` may be a BLOB in the encoding of `payload.rs` (keys as one byte, an
///   email or phone equal to the row's `email`/`phone` column stored only there). JSON text
///   from before stays as it is and reads back as it is.
/// - `rows.cells_json` may be `''`: the row's cells are the input's own, read again from the
///   fingerprinted input by row number with the reader options in `meta.source_options`
///   (`input_cells.rs`). Rows from before always hold their cells' JSON.
/// - `rows.merged_value` is NULL where it equals the merged row's own `email` or `phone` (the
///   one `merged_key` names); readers fall back to that column.
const V4_META: &str = "UPDATE meta SET value = '4' WHERE key = 'schema_version';";

/// Version 5: no table changes; `rows.cells_json` may be `@` and a decimal file offset: the
/// row's cells are the input's own, read again from where the row starts in the file (a CSV
/// that is not transcoded), after the same fingerprint check as `''`. A build that knows only
/// version 4 would take it for a stored copy of cells and must refuse the file.
const V5_META: &str = "UPDATE meta SET value = '5' WHERE key = 'schema_version';";

/// Version 1 of `undo.db`: as the first undo wrote it.
const UNDO_V1: &str = "
CREATE TABLE IF NOT EXISTS undo_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Every contact the import touched and the undo plans to change.
CREATE TABLE IF NOT EXISTS undo_contacts (
    contact_id    TEXT PRIMARY KEY,
    rows_json     TEXT NOT NULL,   -- the import's rows that wrote it
    created       INTEGER NOT NULL,
    written_until TEXT,            -- latest dateUpdated the run's own writes explain (RFC 3339)
    verdict       TEXT,            -- NULL (not checked yet) | ok | changed | gone
    reason        TEXT
);
-- What the undo does, one line per request-sized action.
--   state: pending | done | failed | skipped (contact changed or gone) | listed (report only)
CREATE TABLE IF NOT EXISTS undo_steps (
    id         INTEGER PRIMARY KEY,
    contact_id TEXT NOT NULL,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    state      TEXT NOT NULL,
    reason     TEXT,
    updated_at TEXT
);
CREATE INDEX IF NOT EXISTS undo_steps_by_contact ON undo_steps (contact_id);
";
