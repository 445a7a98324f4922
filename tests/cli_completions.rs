//! End to end for `completions` and `man`: every shell's script is generated, the bash one
//! names the subcommands and loads in bash; the man pages are roff, cover every subcommand, and
//! render with `man` when the machine has it.

use crate::util::ghl_bulk;
use std::path::Path;
use std::process::{Command, Output};

const SUBCOMMANDS: [&str; 9] = [
    "validate",
    "import",
    "export",
    "mapping",
    "sandbox",
    "runs",
    "config",
    "completions",
    "man",
];

fn ghl(args: &[&str]) -> Output {
    ghl_bulk().args(args).output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn has(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn completions_for_every_shell_and_bash_loads_them() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = ghl(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {}", text(&out.stderr));
        assert!(out.stderr.is_empty(), "{shell}: {}", text(&out.stderr));
        let script = text(&out.stdout);
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell} script lacks {sub}");
        }
        assert!(script.contains("log-format"), "{shell}: global flags");
    }
    let out = ghl(&["completions", "tcsh"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );

    if !has("bash") {
        eprintln!("SKIPPED: bash is not installed; the bash script was not loaded");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("ghl-bulk.bash");
    std::fs::write(&script, ghl(&["completions", "bash"]).stdout).unwrap();
    // Load it, then ask bash's completion machinery for `ghl-bulk ru<TAB>`.
    let probe = format!(
        "source {} && complete -p ghl-bulk && \
         f=$(complete -p ghl-bulk | sed -E 's/.*-F ([^ ]+).*/\\1/') && \
         COMP_WORDS=(ghl-bulk ru) COMP_CWORD=1 COMP_LINE='ghl-bulk ru' COMP_POINT=11 && \
         \"$f\" ghl-bulk ru ghl-bulk && printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let out = Command::new("bash").args(["-c", &probe]).output().unwrap();
    assert!(out.status.success(), "bash: {}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains(" -F ") && said.contains(" ghl-bulk"),
        "{said}"
    );
    assert!(
        said.lines().any(|l| l == "runs"),
        "ghl-bulk ru<TAB> offers runs: {said}"
    );
}

#[test]
fn man_pages_cover_every_command_and_render() {
    let out = ghl(&["man"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let roff = text(&out.stdout);
    assert!(
        roff.starts_with(".ie \\n(.g .ds Aq") || roff.starts_with(".TH"),
        "{}",
        &roff[..200.min(roff.len())]
    );
    assert!(roff.contains(".TH ghl-bulk 1"), "the main page");
    for sub in SUBCOMMANDS {
        assert!(
            roff.contains(&format!(".TH ghl-bulk-{sub} 1")),
            "a page for {sub}"
        );
    }
    for nested in ["mapping-init", "runs-show", "config-show"] {
        assert!(
            roff.contains(&format!(".TH ghl-bulk-{nested} 1")),
            "a page for {nested}"
        );
    }
    assert!(roff.contains("daily\\-reserve"), "flags are documented");

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("man1");
    let out = ghl(&["man", "--out", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "pages go to files, not stdout");
    for page in [
        "ghl-bulk.1",
        "ghl-bulk-import.1",
        "ghl-bulk-runs-show.1",
        "ghl-bulk-config-show.1",
    ] {
        let path = dir.join(page);
        let body = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(body.contains(".TH"), "{page}");
    }

    render_with_man(&dir.join("ghl-bulk-import.1"));
}

/// `man -l` renders a page from a file; absent `man` (or groff under it), say so loudly.
fn render_with_man(page: &Path) {
    if !has("man") {
        eprintln!("SKIPPED: `man` is not installed; the pages were checked as roff text only");
        return;
    }
    let out = Command::new("man")
        .args(["-l", "-P", "cat"])
        .arg(page)
        .env("MANWIDTH", "100")
        .output()
        .unwrap();
    let rendered = text(&out.stdout);
    if !out.status.success() || rendered.trim().is_empty() {
        eprintln!(
            "SKIPPED: `man -l` could not render here (no groff/nroff?): {}",
            text(&out.stderr)
        );
        return;
    }
    assert!(rendered.contains("--daily-reserve"), "{rendered}");
    assert!(rendered.contains("NAME"), "{rendered}");
}
