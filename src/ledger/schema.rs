//! The ledger's SQL schema (version 1). Columns for delivery (contact id, attempts, created,
//! tags before/added, note and task ids, last status/error) exist from the first version so
//! that the delivery issue writes into the same file without a migration; the local stages
//! leave them NULL / 0.

/// The schema version stored in `meta.schema_version`.
pub const SCHEMA_VERSION: u32 = 1;

/// Creates every table; run once on a new file.
pub const CREATE: &str = r#"
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

/// Indexes, created with the tables and kept up while rows are staged: the `state` entries of
/// consecutive rows append at the end of their state's range, which costs the staging thread
/// less than re-reading the whole ledger for a bulk build afterwards (and that thread runs
/// beside normalisation, where a build afterwards ran alone). `IF NOT EXISTS`, so running it
/// again is harmless.
pub const INDEXES: &str = "CREATE INDEX IF NOT EXISTS rows_by_state ON rows (state);";
