//! The binary as a child process: run to its end with both streams captured, or driven while
//! it runs (wait for a stderr line, SIGINT, SIGKILL), always within a time limit. Signals go to
//! the child only, never to this process, whose threads run other tests.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What a finished child process left behind.
#[derive(Debug)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// A readable account of the run for assertion messages.
    pub fn describe(&self) -> String {
        format!(
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// Asserts that stderr holds `text`; a failure shows the whole run.
    #[track_caller]
    pub fn assert_stderr_has(&self, text: &str) {
        assert!(self.stderr.contains(text), "{}", self.describe());
    }

    /// Asserts that stderr does not hold `text`; a failure shows the whole run.
    #[track_caller]
    pub fn assert_stderr_lacks(&self, text: &str) {
        assert!(!self.stderr.contains(text), "{}", self.describe());
    }

    /// The first stderr line starting with `prefix`; a run without one fails, showing stderr.
    #[track_caller]
    pub fn stderr_line(&self, prefix: &str) -> &str {
        super::line_starting(&self.stderr, prefix)
    }

    /// Asserts that stdout holds `text`; a failure shows the whole run.
    #[track_caller]
    pub fn assert_stdout_has(&self, text: &str) {
        assert!(self.stdout.contains(text), "{}", self.describe());
    }
}

/// The stderr of a command run with `Command::output()`, as text.
pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts that a command run with `Command::output()` said `text` on stderr; a failure shows
/// its stderr.
#[track_caller]
pub fn assert_stderr_has(out: &std::process::Output, text: &str) {
    let said = stderr(out);
    assert!(said.contains(text), "{said}");
}

/// Runs a command to its end within `limit`, capturing both streams.
pub fn run(cmd: Command, limit: Duration) -> Output {
    Running::spawn(cmd).finish(limit)
}

/// Runs a command like [`run`] but without a pass of the gate: for commands that mostly wait
/// (the README's walk-through paces its imports at HighLevel's real 100 / 10 s, a few per cent
/// of a core), so they run beside a test that runs alone instead of stopping for it. Held back
/// by each test run alone, the walk-through took 95 of the integration binary's 100 s in CI,
/// against 52 s on its own.
pub fn run_beside_alone(mut cmd: Command, limit: Duration) -> Output {
    let child = piped(&mut cmd);
    Running::with_pass(child, None).finish(limit)
}

fn piped(cmd: &mut Command) -> Child {
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ghl-bulk starts")
}

/// A child whose stderr lines arrive on a channel as they are written (so a test can wait for
/// one), and whose streams are collected for the end.
pub struct Running {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    stderr_seen: Vec<String>,
    stdout: Option<std::thread::JoinHandle<String>>,
    stderr: Option<std::thread::JoinHandle<()>>,
    _pass: Option<super::gate::Shared>,
}

impl Running {
    /// Takes over a child spawned with piped stdout and stderr.
    pub fn new(child: Child) -> Running {
        Running::with_pass(child, Some(super::gate::shared()))
    }

    fn with_pass(mut child: Child, pass: Option<super::gate::Shared>) -> Running {
        let mut out = child.stdout.take().expect("stdout is piped");
        let err = child.stderr.take().expect("stderr is piped");
        let stdout = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = out.read_to_string(&mut text);
            text
        });
        let (tx, lines) = mpsc::channel();
        let stderr = std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            stderr_seen: Vec::new(),
            stdout: Some(stdout),
            stderr: Some(stderr),
            _pass: pass,
        }
    }

    /// Spawns `cmd` with piped streams.
    pub fn spawn(mut cmd: Command) -> Running {
        let child = piped(&mut cmd);
        Running::new(child)
    }

    /// Waits until a stderr line contains `needle`; false if the stream ended or `limit` passed.
    pub fn wait_for_stderr(&mut self, needle: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let hit = line.contains(needle);
                    self.stderr_seen.push(line);
                    if hit {
                        return true;
                    }
                }
                Err(_) => return false,
            }
        }
    }

    /// Sends SIGINT, as Ctrl-C in a terminal does.
    pub fn interrupt(&mut self) {
        self.signal(libc::SIGINT);
    }

    /// Sends `signal` (SIGINT, SIGTERM).
    pub fn signal(&mut self, signal: libc::c_int) {
        assert!(
            self.alive(),
            "the process ended before it could be interrupted"
        );
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid fits pid_t");
        // SAFETY: kill(2) only sends a signal. The pid is our child's, which `alive` just saw
        // running and nobody has reaped since (an exited child stays a zombie until then), so
        // the pid cannot belong to another process.
        let sent = unsafe { libc::kill(pid, signal) };
        assert_eq!(sent, 0, "signal {signal} could not be sent");
    }

    /// True while the process has not exited.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits within `limit` until `ready` holds (see [`super::wait_until`]); fails the test if
    /// the process ends first.
    pub fn wait_until(&mut self, what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
        super::wait_until(what, limit, || {
            assert!(self.alive(), "the process ended before {what}");
            ready()
        });
    }

    /// SIGKILL, then collect what it wrote; fails the test if the process had exited by
    /// itself (no signal ended it).
    pub fn kill(mut self) -> Output {
        let _ = self.child.kill();
        let killed = self.finish(Duration::from_secs(10));
        assert_eq!(
            killed.code,
            None,
            "killed by a signal: {}",
            killed.describe()
        );
        killed
    }

    /// Waits for the exit within `limit` (killing it and failing the test past that).
    pub fn finish(mut self, limit: Duration) -> Output {
        let status = wait_with_limit(&mut self.child, limit);
        let stdout = self
            .stdout
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default();
        if let Some(t) = self.stderr.take() {
            let _ = t.join();
        }
        let mut lines = std::mem::take(&mut self.stderr_seen);
        lines.extend(self.lines.try_iter());
        let output = Output {
            code: status.and_then(|s| s.code()),
            stdout,
            stderr: lines.join("\n"),
        };
        assert!(
            status.is_some(),
            "ghl-bulk did not finish within {limit:?}\n{}",
            output.describe()
        );
        output
    }
}

impl Drop for Running {
    /// A test that fails half-way must not leave an importer running.
    fn drop(&mut self) {
        // std remembers a reaped child and then sends nothing: no risk to a reused pid.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_with_limit(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
