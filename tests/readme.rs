//! The README, run: every command it shows is executed, in order, against a sandbox served from
//! this test, so a guide that drifts from the tool fails the suite.
//!
//! What is run, block by block (fenced code blocks of README.md):
//! - ```` ```sh ```` blocks: as one bash script in a scratch folder holding copies of `samples/`
//!   and `mappings/`. Each command must exit 0, or the code its trailing comment announces as
//!   `(exit N)`. A command ending in `&` runs in the background until its block ends.
//! - blocks whose first line is `# file: PATH` (TOML, ini…): written to PATH in the scratch
//!   folder (`~/` is the scratch home), so the commands after them read them.
//! - ```` ```cron ```` lines and systemd `ExecStart=` lines: their `ghl-bulk …` command is run
//!   (the schedule and the binary's install path are the scheduler's business).
//! - any other block must not contain a `ghl-bulk` command line: label it `sh` or it is an error.
//!
//! `ghl-bulk` is the binary under test (`cargo run --release --` runs it too, without the
//! build); `cargo test` itself is not run again (it is running) and neither is `cargo install`
//! (a release build of its own: CI would double its time; it installs this very binary).
//! The environment is that of a reader who followed the guide: `GHL_TOKEN` and
//! `GHL_LOCATION_ID` hold the README's example values, `GHL_BASE_URL` points at the sandbox (which
//! knows that token and location), `HOME` is a scratch folder, and a dead proxy catches any
//! request that would leave the machine.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::Sandbox;
use ghl_sandbox::{Config, CustomFieldDef, LocationConfig, TokenConfig};

/// The token and location the README's examples export.
const README_TOKEN: &str = "pit-...";
const README_LOCATION: &str = "ve9EPM428h8vShlRW1KT";

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
        });
    }
    out
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
    let mut s = String::from("set -u\n");
    for c in commands {
        let background = c.text.ends_with('&');
        s.push_str(&format!("{}\n", c.text));
        if !background {
            let accept: Vec<String> = c.accept.iter().map(i32::to_string).collect();
            s.push_str(&format!(
                "rc=$?; case $rc in {a}) ;; *) echo \"README line {l}: exit $rc, expected {a}: {t}\" >&2; kill $(jobs -p) 2>/dev/null; exit 99;; esac\n",
                a = accept.join("|"),
                l = c.line,
                t = c.text.replace(['"', '`', '$', '\\'], "")
            ));
        }
    }
    s.push_str("kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; exit 0\n");
    s
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

/// "Your location": HighLevel's limits ten times over (the guide's commands keep their shape,
/// the suite its pace), 300 existing contacts, and the custom fields the bundled mappings name
/// (as text fields where the sandbox's defaults lack them), as `import --sandbox` does.
fn sandbox(mappings: &Path) -> Sandbox {
    let mut location = LocationConfig::new(README_LOCATION);
    let mut keys: Vec<String> = std::fs::read_dir(mappings)
        .expect("mappings/")
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .flat_map(|text| {
            text.lines()
                .filter_map(|l| l.trim().strip_prefix("key = \"contact."))
                .filter_map(|rest| rest.split('"').next().map(str::to_string))
                .collect::<Vec<_>>()
        })
        .collect();
    keys.sort();
    keys.dedup();
    for (n, key) in keys.iter().enumerate() {
        if location
            .custom_fields
            .iter()
            .any(|f| f.field_key == format!("contact.{key}"))
        {
            continue;
        }
        location.custom_fields.push(CustomFieldDef {
            id: format!("CfReadme{n:012}"),
            name: key.replace('_', " "),
            field_key: format!("contact.{key}"),
            data_type: "TEXT".into(),
            picklist_options: Vec::new(),
            position: 10 + n as u32,
            model: "contact".into(),
            placeholder: String::new(),
        });
    }
    let mut config = Config {
        locations: vec![location],
        tokens: vec![TokenConfig::new(README_TOKEN, README_LOCATION)],
        generate: 300,
        ..Config::default()
    };
    config.rate_limit.burst = Some((1000, Duration::from_secs(10)));
    Sandbox::start(config)
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
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ghl-bulk"), bin.join("ghl-bulk"))
        .expect("symlink");
    let home = root.join("home");
    std::fs::create_dir_all(&home).expect("home");
    let sandbox = sandbox(&repo.join("mappings"));
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
        ("GHL_TOKEN", README_TOKEN.to_string()),
        ("GHL_LOCATION_ID", README_LOCATION.to_string()),
        ("GHL_BASE_URL", sandbox.base_url()),
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
                let out = common::run(cmd, Duration::from_secs(240));
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
    let md = "text\n```sh\n# a comment\nghl-bulk validate a.csv \\\n  --mapping m.toml   # 2 rejected (exit 3)\necho '#not a comment'\ncargo test\n```\n\
              ```cron\n15 2 * * *  cd /srv && /usr/local/bin/ghl-bulk export --out x.csv -q || [ $? -eq 75 ]\n```\n\
              ```toml\n# file: ghl-bulk.toml\nlocation = \"x\"\n```\n";
    let parsed = steps(md).expect("parses");
    assert_eq!(parsed.len(), 3);
    let Step::Script { commands, .. } = &parsed[0] else {
        panic!("{parsed:?}")
    };
    assert_eq!(commands.len(), 2);
    assert_eq!(
        commands[0].text,
        "ghl-bulk validate a.csv   --mapping m.toml"
    );
    assert_eq!(commands[0].accept, [3]);
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
