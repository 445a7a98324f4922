//! The README, run: every command it shows is executed, in order, against the sandbox the
//! guide itself starts (`ghl-bulk sandbox …` in "Your first import"), so a guide that drifts
//! from the tool fails the suite, and a walk-through that needs more than a plain sandbox does
//! too (issue 13 item 1: this test used to add the custom fields to a sandbox of its own).
//!
//! What is run, block by block (fenced code blocks of README.md):
//! - ```` ```sh ```` blocks: each as a bash script in a scratch folder holding copies of
//!   `samples/` and `mappings/`, as one terminal session: what a block exports stays set for
//!   the blocks after it. Each command must exit 0, or the code its trailing comment announces
//!   as `(exit N)`. A command ending in `&` runs in the background until the README ends.
//! - blocks whose first line is `# file: PATH` (TOML, ini…): written to PATH in the scratch
//!   folder (`~/` is the scratch home), so the commands after them read them.
//! - ```` ```cron ```` lines and systemd `ExecStart=` lines: their `ghl-bulk …` command is run
//!   (the schedule and the binary's install path are the scheduler's business).
//! - any other block must not contain a `ghl-bulk` command line: label it `sh` or it is an error.
//!
//! `ghl-bulk` is the binary under test (`cargo run --release --` runs it too, without the
//! build); `cargo test` itself is not run again (it is running) and neither is `cargo install`
//! (a release build of its own: CI would double its time; it installs this very binary).
//! The environment is that of a new reader: nothing set but `PATH`, a scratch `HOME`, and a
//! dead proxy that catches any request that would leave the machine.

use crate::util;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// Where a block's exported variables are kept for the next block.
const SESSION: &str = ".readme-env";
/// The process groups of the background commands, one a line, stopped when the test ends.
const BACKGROUND: &str = ".readme-background";

/// One thing to run, with the README line it comes from.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// A bash script made of a `sh` block's commands, each checked for its expected exit code.
    Script { line: usize, commands: Vec<Cmd> },
    /// A file the reader is told to write.
    File {
        line: usize,
        path: String,
        text: String,
    },
}

/// One logical command line (continuations joined).
#[derive(Debug, Clone, PartialEq)]
struct Cmd {
    line: usize,
    text: String,
    /// Exit codes that count as success: 0, or what the README says.
    accept: Vec<i32>,
    /// Text the README says the command prints (a `"quoted"` part of its comment), checked on
    /// stderr so that a failure on purpose fails for the reason the guide gives.
    says: Option<String>,
}

fn steps(readme: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let mut lines = readme.lines().enumerate().map(|(i, l)| (i + 1, l));
    while let Some((start, line)) = lines.next() {
        let Some(lang) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        let lang = lang.trim().to_string();
        let body: Vec<(usize, &str)> = lines
            .by_ref()
            .take_while(|(_, l)| l.trim() != "```")
            .collect();
        if let Some(path) = body
            .first()
            .and_then(|(_, l)| l.trim().strip_prefix("# file: "))
        {
            let text = body[1..].iter().map(|(_, l)| format!("{l}\n")).collect();
            steps.push(Step::File {
                line: start,
                path: path.trim().to_string(),
                text,
            });
            continue;
        }
        let commands = match lang.as_str() {
            "sh" => commands(&body),
            "cron" => scheduled(&body, |l| {
                let fields: Vec<&str> = l.split_whitespace().collect();
                (fields.len() > 5 && !l.trim_start().starts_with('#'))
                    .then(|| fields[5..].join(" "))
            }),
            "ini" => scheduled(&body, |l| {
                l.trim().strip_prefix("ExecStart=").map(str::to_string)
            }),
            _ => {
                if let Some((n, l)) = body.iter().find(|(_, l)| is_command(l)) {
                    return Err(format!("README line {n}: a ghl-bulk command in a ```{lang} block is not run; label the block sh: {l}"));
                }
                continue;
            }
        };
        if !commands.is_empty() {
            steps.push(Step::Script {
                line: start,
                commands,
            });
        }
    }
    Ok(steps)
}

fn is_command(line: &str) -> bool {
    let l = line.trim_start().trim_start_matches("$ ");
    l.starts_with("ghl-bulk ") || l.starts_with("cargo run")
}

/// A `sh` block's commands: comments stripped, `\` continuations joined, `cargo run --release
/// --` and `cargo test` handled as the module comment says.
fn commands(body: &[(usize, &str)]) -> Vec<Cmd> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String, Vec<i32>)> = None;
    for &(n, raw) in body {
        let (code, comment) = split_comment(raw);
        let expect = comment.and_then(expected_exit);
        let says = comment.and_then(quoted);
        let (start, mut text, mut exp) = pending.take().unwrap_or((n, String::new(), vec![0]));
        if let Some(e) = expect {
            exp = vec![e];
        }
        let code = code.trim_end();
        if let Some(head) = code.strip_suffix('\\') {
            text.push_str(head);
            pending = Some((start, text, exp));
            continue;
        }
        text.push_str(code);
        let text = text.trim().replace("cargo run --release -- ", "ghl-bulk ");
        if text.is_empty() || text == "cargo test" || text.starts_with("cargo install") {
            continue;
        }
        out.push(Cmd {
            line: start,
            text,
            accept: exp,
            says,
        });
    }
    out
}

/// The `"…"` part of a comment.
fn quoted(comment: &str) -> Option<String> {
    let (_, rest) = comment.split_once('"')?;
    rest.split_once('"').map(|(text, _)| text.to_string())
}

/// The `ghl-bulk …` commands of a cron or systemd block. Success is what the scheduler is told
/// it is: 0, the block's `SuccessExitStatus=`, and a line's own `|| [ $? -eq N ]`.
fn scheduled(body: &[(usize, &str)], command: impl Fn(&str) -> Option<String>) -> Vec<Cmd> {
    let numbers = |text: &str| -> Vec<i32> {
        text.split_whitespace()
            .filter_map(|w| w.trim_end_matches(']').parse().ok())
            .collect()
    };
    let block_success: Vec<i32> = body
        .iter()
        .filter_map(|(_, l)| l.trim().strip_prefix("SuccessExitStatus="))
        .flat_map(numbers)
        .collect();
    body.iter()
        .filter_map(|&(n, l)| {
            let line = command(l)?;
            let (code, _) = split_comment(&line);
            let at = code.find("ghl-bulk ")?;
            let from = code[..at].rfind(' ').map_or(0, |s| s + 1);
            let tail = &code[from..];
            let (text, handled) = tail.split_once("||").unwrap_or((tail, ""));
            let text = text.trim();
            let mut accept = vec![0];
            accept.extend(&block_success);
            accept.extend(handled.split("-eq").skip(1).flat_map(numbers));
            // `/usr/local/bin/ghl-bulk …`: the binary under test, wherever the guide installs it.
            let text = text
                .split_once(' ')
                .map_or(text.to_string(), |(program, args)| {
                    format!("{} {args}", program.rsplit('/').next().unwrap_or(program))
                });
            Some(Cmd {
                line: n,
                text,
                accept,
                says: None,
            })
        })
        .collect()
}

/// Splits a shell line at its comment: a `#` after whitespace, outside quotes.
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let (mut single, mut double, mut prev_space) = (false, false, true);
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && prev_space => return (&line[..i], Some(&line[i + 1..])),
            _ => {}
        }
        prev_space = c.is_whitespace();
    }
    (line, None)
}

/// `(exit 3)` or `(exit 3: why)` in a comment.
fn expected_exit(comment: &str) -> Option<i32> {
    let at = comment.find("(exit ")?;
    let digits: String = comment[at + 6..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

fn script(commands: &[Cmd]) -> String {
    // `set -m`: each background command gets its own process group, stopped as a whole at the
    // end (the command and what it started).
    let mut s = format!("set -u -m\n[ -f {SESSION} ] && . ./{SESSION}\n");
    for c in commands {
        let background = c.text.ends_with('&');
        if background {
            // Its streams leave the test's pipes, which would otherwise stay open until the
            // README's end; its own redirections (`> sandbox.json`) still apply.
            let text = c.text.trim_end_matches('&').trim_end();
            s.push_str(&format!(
                "{{ {text} ; }} >>.readme-background.log 2>&1 </dev/null &\necho $! >> {BACKGROUND}\n"
            ));
        } else if c.says.is_some() {
            s.push_str(&format!("{} 2>.readme-stderr\n", c.text));
        } else {
            s.push_str(&format!("{}\n", c.text));
        }
        if let Some(says) = &c.says {
            s.push_str(&format!(
                "rc=$?; if ! grep -qF '{w}' .readme-stderr; then echo \"README line {l}: stderr lacks '{w}'\" >&2; cat .readme-stderr >&2; exit 99; fi; (exit $rc)\n",
                w = says.replace('\'', ""),
                l = c.line,
            ));
        }
        if !background {
            let accept: Vec<String> = c.accept.iter().map(i32::to_string).collect();
            s.push_str(&format!(
                "rc=$?; case $rc in {a}) ;; *) echo \"README line {l}: exit $rc, expected {a}: {t}\" >&2; exit 99;; esac\n",
                a = accept.join("|"),
                l = c.line,
                t = c.text.replace(['"', '`', '$', '\\'], "")
            ));
        }
    }
    s.push_str(&format!("export -p > {SESSION}; exit 0\n"));
    s
}

/// Stops the README's background commands (the sandbox it starts) when the test ends, passed
/// or failed.
struct Background(PathBuf);

impl Drop for Background {
    fn drop(&mut self) {
        let groups = std::fs::read_to_string(&self.0).unwrap_or_default();
        for group in groups
            .lines()
            .filter_map(|l| l.trim().parse::<libc::pid_t>().ok())
            // Never 0 or 1: kill(0) and kill(-1) would reach this test process and others.
            .filter(|group| *group > 1)
        {
            // SAFETY: kill(2) only sends a signal, to a process group the script started with
            // job control on (its id is the group leader's, recorded by the script itself).
            unsafe {
                libc::kill(-group, libc::SIGTERM);
            }
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("scratch folder");
    for entry in std::fs::read_dir(from)
        .expect("readable repository folder")
        .flatten()
    {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy into the scratch folder");
        }
    }
}

#[test]
fn every_command_in_the_readme_runs() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(repo.join("README.md")).expect("README.md");
    let steps = steps(&readme).unwrap_or_else(|e| panic!("{e}"));
    let scratch = tempfile::tempdir().expect("scratch folder");
    let root = scratch.path();
    for dir in ["samples", "mappings"] {
        copy_dir(&repo.join(dir), &root.join(dir));
    }
    let bin = root.join(".bin");
    std::fs::create_dir_all(&bin).expect("bin folder");
    std::os::unix::fs::symlink(crate::util::cmd::BIN, bin.join("ghl-bulk")).expect("symlink");
    let home = root.join("home");
    std::fs::create_dir_all(&home).expect("home");
    let _background = Background(root.join(BACKGROUND));
    let env: BTreeMap<&str, String> = BTreeMap::from([
        (
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        ),
        ("HOME", home.display().to_string()),
        (
            "XDG_CONFIG_HOME",
            home.join(".config").display().to_string(),
        ),
        (
            "XDG_DATA_HOME",
            home.join(".local/share").display().to_string(),
        ),
        ("HTTPS_PROXY", "http://127.0.0.1:9".to_string()),
        ("HTTP_PROXY", "http://127.0.0.1:9".to_string()),
        ("NO_PROXY", "127.0.0.1,localhost".to_string()),
    ]);
    let mut ran = 0;
    for step in &steps {
        match step {
            Step::File { path, text, .. } => {
                let target: PathBuf = match path.strip_prefix("~/") {
                    Some(rest) => home.join(rest),
                    None => root.join(path),
                };
                std::fs::create_dir_all(target.parent().expect("a file has a folder"))
                    .expect("folder");
                std::fs::write(&target, text).expect("write the README's file");
            }
            Step::Script { line, commands } => {
                let mut cmd = Command::new("bash");
                cmd.arg("-c")
                    .arg(script(commands))
                    .current_dir(root)
                    .env_clear()
                    .envs(&env);
                let began = std::time::Instant::now();
                let out = util::run_beside_alone(cmd, Duration::from_secs(240));
                // Where the test's time goes (`--nocapture`): most blocks wait on the rate limit.
                eprintln!(
                    "README block at line {line}: {} commands, {:.1} s",
                    commands.len(),
                    began.elapsed().as_secs_f64()
                );
                assert_eq!(
                    out.code,
                    Some(0),
                    "README block at line {line} failed:\n{}",
                    out.describe()
                );
                ran += commands.len();
            }
        }
    }
    eprintln!("ran {ran} README commands in {} blocks", steps.len());
    assert!(
        ran >= 20,
        "only {ran} commands found: is the README parsed?"
    );
}

#[test]
fn the_parser_reads_blocks_comments_and_exit_codes() {
    let md = "text\n```sh\n# a comment\nghl-bulk validate a.csv \\\n  --mapping m.toml   # 2 rejected (exit 3)\necho '#not a comment'\nghl-bulk x # \"HTTP 401\" (exit 1)\ncargo test\n```\n\
              ```cron\n15 2 * * *  cd /srv && /usr/local/bin/ghl-bulk export --out x.csv -q || [ $? -eq 75 ]\n```\n\
              ```toml\n# file: ghl-bulk.toml\nlocation = \"x\"\n```\n";
    let parsed = steps(md).expect("parses");
    assert_eq!(parsed.len(), 3);
    let Step::Script { commands, .. } = &parsed[0] else {
        panic!("{parsed:?}")
    };
    assert_eq!(commands.len(), 3);
    assert_eq!(commands[2].says.as_deref(), Some("HTTP 401"));
    assert_eq!(commands[2].accept, [1]);
    assert_eq!(
        commands[0].text,
        "ghl-bulk validate a.csv   --mapping m.toml"
    );
    assert_eq!(commands[0].accept, [3]);
    assert_eq!(commands[0].says, None);
    assert_eq!(commands[1].text, "echo '#not a comment'");
    let Step::Script { commands, .. } = &parsed[1] else {
        panic!("{parsed:?}")
    };
    assert_eq!(commands[0].text, "ghl-bulk export --out x.csv -q");
    assert_eq!(commands[0].accept, [0, 75]);
    assert!(
        matches!(&parsed[2], Step::File { path, text, .. } if path == "ghl-bulk.toml" && text == "location = \"x\"\n")
    );
    assert!(
        steps("```\nghl-bulk import x\n```\n").is_err(),
        "an unlabelled command is refused"
    );
}
