//! The `import` command's flags, and the API connection flags every command that sends
//! shares (`import`, `export`, `undo`, `delete`, `config show`).

use std::path::PathBuf;

use clap::Args;

/// `import` options.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// The input file: CSV (any common encoding and delimiter), XLSX, XLSM, XLSB, XLS or ODS.
    #[arg(required_unless_present_any = ["resume", "plan"])]
    pub file: Option<PathBuf>,
    /// The mapping file (TOML); `ghl-bulk mapping init <FILE>` drafts one.
    #[arg(long, short = 'm', required_unless_present_any = ["resume", "plan"])]
    pub mapping: Option<PathBuf>,
    /// Where the rows are read and the run kept.
    #[command(flatten)]
    pub source: super::SourceArgs,
    /// Do everything up to the first write and stop: stage the file, compare it with the
    /// state file, send one read-only request that learns the API's limits, and print the
    /// estimate (requests, and their time at that limit). Without a token and location it
    /// only stages the file, as `validate`.
    #[arg(long, conflicts_with = "resume")]
    pub dry_run: bool,
    /// Continue a stopped run (crash, Ctrl-C, daily budget): rows already delivered are not
    /// sent again. Refused if the input or the mapping changed.
    #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["file", "mapping", "run_dir", "sheet", "header_row", "region"])]
    pub resume: Option<PathBuf>,
    /// Carry out the plan `ghl-bulk plan` wrote in RUN_DIR, exactly: its decisions are sent
    /// without reading the location again, in that folder. Refused (exit 4, nothing sent) if
    /// the file or the mapping changed since, or the plan was carried out already; a row whose
    /// contact changed in HighLevel since is rejected `plan_stale`.
    #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["file", "mapping", "run_dir", "sheet", "header_row", "region", "resume", "dry_run", "sandbox", "mode", "on_duplicate", "blind", "on_conflict"])]
    pub plan: Option<PathBuf>,
    /// Import the same file into several locations in one run: ids separated by commas, or
    /// `all` (every location the agency's app is installed in; needs an agency token). The
    /// file is staged once into the run folder, then each location gets its sub-folder
    /// (RUN/<location id>/) with its own ledger, state and limits; the exit code is the worst
    /// of the locations'. `--resume RUN` continues the locations that did not finish.
    #[arg(long, value_name = "IDS|all", conflicts_with_all = ["resume", "plan", "sandbox", "dry_run", "state"])]
    pub locations: Option<String>,
    /// Import each row into the location its cell in column COL names (an input header; the
    /// mapping need not map it, and it is sent only if the mapping maps it). Needs the
    /// agency's app: a row whose cell is empty or names a location the app is not installed
    /// in is rejected (location_unknown) before anything is sent. Staged and validated once;
    /// rows are deduped within their location only (one email in two locations is two
    /// contacts); each location the file names gets its sub-folder (RUN/<location id>/) with
    /// its own ledger, state and limits, as with --locations.
    #[arg(long, value_name = "COL", conflicts_with_all = ["locations", "location", "resume", "plan", "sandbox", "dry_run", "state"])]
    pub location_column: Option<String>,
    /// Send to a sandbox started in this process (HighLevel's limits, a few existing
    /// contacts) instead of HighLevel: no token, no network.
    #[arg(long)]
    pub sandbox: bool,
    /// The API connection (ignored with --sandbox).
    #[command(flatten)]
    pub api: ApiArgs,
    /// Keep the state of every existing contact before it is written (one search per 50-100
    /// rows), so that `ghl-bulk undo` can restore the fields the run changed.
    #[arg(long, conflicts_with = "resume")]
    pub undoable: bool,
    /// Requests in flight at most [default: sized from the rate the API allows].
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Contacts per bulk tags request.
    #[arg(long, default_value_t = 100)]
    pub tag_batch: usize,
    /// How contacts are written: `upsert` creates or updates by email/phone; `create` makes
    /// new contacts (tags inline; see --on-duplicate); `update-only` changes existing contacts
    /// only (a row matching none is rejected, not_found). A resumed run keeps its mode.
    #[arg(long, value_enum, default_value_t = ModeArg::Upsert, conflicts_with = "resume")]
    pub mode: ModeArg,
    /// With --mode create, a contact that already exists is `update`d (fields written, the
    /// row's tags added: the default) or `skip`ped (left as it is; the row ends unchanged).
    #[arg(long, value_enum, conflicts_with = "resume")]
    pub on_duplicate: Option<OnDuplicateArg>,
    /// Send each row without reading the location first (one upsert per row, then tags): the
    /// behaviour before the server view. By default an upsert import first reads what the
    /// location holds for the file's emails and phones (a snapshot or batched look-ups,
    /// whichever costs fewer requests), then creates, updates only what differs, skips
    /// unchanged contacts, and refuses identity conflicts (see --on-conflict).
    #[arg(long, conflicts_with_all = ["resume", "on_conflict"])]
    pub blind: bool,
    /// A row whose email and phone point at two different contacts, or whose email (phone)
    /// matches a contact with another phone (email): `reject` it (the default; code
    /// identity_conflict, naming the contact it would overwrite), `update` as HighLevel's own
    /// matching would (one contact is overwritten), or `skip` it (left alone, listed). A
    /// resumed run keeps its choice.
    #[arg(long, value_enum, conflicts_with = "resume")]
    pub on_conflict: Option<OnConflictArg>,
    /// Stop (exit 75, resumable) when the daily request budget left falls to this: a
    /// percentage of the daily limit ("1%") or a number of requests [default: 1%].
    #[arg(long)]
    pub daily_reserve: Option<String>,
    /// The state file that remembers, per contact, the payload last delivered, so that rows
    /// unchanged since then are skipped (outcome `unchanged`, no request). One file per
    /// location [default: <data folder>/ghl-bulk/state/<location>.sqlite; with --sandbox or a
    /// loopback --base-url, `state.sqlite` in the run folder]. A resume uses the run's file.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Send every row, even those the state file shows unchanged (what is delivered is still
    /// remembered). Use it after contacts were edited or deleted in HighLevel.
    #[arg(long)]
    pub full: bool,
}

/// `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    /// Create or update, matched by the location's duplicate rules.
    Upsert,
    /// Create; duplicates as --on-duplicate says.
    Create,
    /// Update existing contacts only.
    UpdateOnly,
}

/// `--on-duplicate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnDuplicateArg {
    /// Update the existing contact.
    Update,
    /// Leave it alone.
    Skip,
}

/// `--on-conflict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnConflictArg {
    /// Reject the row (identity_conflict).
    Reject,
    /// Upsert it as HighLevel would (overwrites a contact).
    Update,
    /// Leave it alone, listed.
    Skip,
}

/// Where and as whom to connect. Each of these can also come from the settings file;
/// secrets come from the environment (GHL_TOKEN, GHL_CLIENT_SECRET) or a file, never a flag.
#[derive(Debug, Clone, Args)]
pub struct ApiArgs {
    /// The location (sub-account) id [env: GHL_LOCATION_ID].
    #[arg(long = "location")]
    pub location: Option<String>,
    /// The API's base URL, https (or http to loopback only) [env: GHL_BASE_URL; default:
    /// https://services.leadconnectorhq.com].
    #[arg(long)]
    pub base_url: Option<String>,
    /// A file holding the private integration token or OAuth access token (instead of
    /// GHL_TOKEN; e.g. a systemd credential).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// OAuth: the app's client id, with GHL_CLIENT_SECRET and --refresh-token-file
    /// [env: GHL_CLIENT_ID].
    #[arg(long)]
    pub client_id: Option<String>,
    /// OAuth: the file holding the current refresh token; rewritten (mode 0600) each time
    /// HighLevel rotates it [env: GHL_REFRESH_TOKEN_FILE].
    #[arg(long, value_name = "FILE")]
    pub refresh_token_file: Option<PathBuf>,
    /// Per-request timeout in seconds [default: 30].
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
}
