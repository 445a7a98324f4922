//! An undo killed with SIGKILL while it deletes and restores, then `undo --resume`d: the
//! location ends exactly as it was before the import, and the finished undo sends nothing more.

use crate::util::undo::{assert_same_state, import, requests, seed, state, undo, write_import};
use crate::util::{fast_config, run, Running, Sandbox};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(90);

#[test]
fn an_undo_killed_midway_resumes_to_the_state_before_the_import() {
    // Latency, so that the undo's requests take a few seconds and the kill lands midway.
    let sandbox = Sandbox::start(fast_config(51, (15, 45)));
    seed(&sandbox, 40);
    let before = state(&sandbox);
    let dir = tempfile::tempdir().unwrap();
    let (file, mapping) = write_import(dir.path(), 40, 80);
    let run_dir = dir.path().join("run");
    let out = run(
        import(
            &sandbox,
            &file,
            &mapping,
            &run_dir,
            &["--undoable", "--concurrency", "16"],
        ),
        LIMIT,
    );
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(sandbox.contacts().len(), 120);

    let cmd = undo(
        &sandbox,
        &run_dir,
        &["--yes", "--quiet", "--concurrency", "4"],
    );
    let mut child = Running::spawn(cmd);
    child.wait_until("a third of the created contacts deleted", LIMIT, || {
        sandbox.contacts().len() <= 120 - 27
    });
    child.kill();
    let left = sandbox.contacts().len();
    assert!(
        left > 40,
        "the kill came before the undo was done ({left} contacts left)"
    );

    // Without --resume the started undo is not begun again.
    let out = run(undo(&sandbox, &run_dir, &["--yes"]), LIMIT);
    assert_eq!(out.code, Some(1), "{}", out.describe());
    out.assert_stderr_has("--resume");

    let out = run(undo(&sandbox, &run_dir, &["--yes", "--resume"]), LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_same_state(&state(&sandbox), &before);

    let sent = requests(&sandbox);
    let out = run(undo(&sandbox, &run_dir, &["--yes", "--resume"]), LIMIT);
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(requests(&sandbox), sent, "a finished undo sends nothing");
}
