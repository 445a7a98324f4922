//! The board's text: the lines for a set of locations' figures, a pure function (what the
//! terminal redraws and what a log gets every ten seconds are the same lines).

use std::time::Duration;

use super::{Figures, State, Words};
use crate::format::thousands;

/// The lines of the board: one per location shown, then (when some are not) one counting the
/// others by state, then the total. `shown`: at most that many locations, the busiest at work
/// first, then the stopped and failed, the waiting, the done; kept in the slots' order so that
/// a line does not jump about between redraws more than it must. `elapsed`: since the run
/// started (the total's rate).
pub fn render(
    words: Words,
    figures: &[Figures],
    elapsed: Duration,
    shown: Option<usize>,
) -> Vec<String> {
    let limit = shown.unwrap_or(usize::MAX);
    let mut picked: Vec<usize> = (0..figures.len()).collect();
    if figures.len() > limit {
        let rank = |f: &Figures| match f.state {
            State::Working => 0,
            State::Stopped | State::Failed => 1,
            State::Waiting => 2,
            State::Done => 3,
        };
        picked.sort_by(|&a, &b| {
            let (a, b) = (&figures[a], &figures[b]);
            rank(a).cmp(&rank(b)).then(b.rate().total_cmp(&a.rate()))
        });
        picked.truncate(limit);
        picked.sort_unstable();
    }
    let width = picked
        .iter()
        .map(|&i| figures[i].location.len())
        .max()
        .unwrap_or(0);
    let mut lines: Vec<String> = picked
        .iter()
        .map(|&i| {
            let f = &figures[i];
            format!(
                "  {:<width$}  {:<10}  {}",
                f.location,
                words.state(f.state),
                numbers(words, f.rows_done, f.rows_total, f.requests, f.rate())
            )
        })
        .collect();
    if picked.len() < figures.len() {
        let hidden: Vec<&Figures> = figures
            .iter()
            .enumerate()
            .filter(|(i, _)| !picked.contains(i))
            .map(|(_, f)| f)
            .collect();
        lines.push(format!(
            "  … and {} more: {}",
            hidden.len(),
            by_state(words, &hidden)
        ));
    }
    let all: Vec<&Figures> = figures.iter().collect();
    let requests: u64 = figures.iter().map(|f| f.requests).sum();
    lines.push(format!(
        "{} {} locations: {} ({})",
        words.title,
        figures.len(),
        numbers(
            words,
            figures.iter().map(|f| f.rows_done).sum(),
            figures.iter().map(|f| f.rows_total).sum(),
            requests,
            requests as f64 / elapsed.as_secs_f64().max(1.0),
        ),
        by_state(words, &all)
    ));
    lines
}

fn numbers(words: Words, done: u64, total: u64, requests: u64, rate: f64) -> String {
    format!(
        "{}/{} {}, {} requests, {rate:.1} req/s",
        thousands(done),
        thousands(total),
        words.items,
        thousands(requests)
    )
}

/// `2 delivering, 1 waiting, 3 done`: the states present, in the order a run goes through them.
fn by_state(words: Words, figures: &[&Figures]) -> String {
    let order = [
        State::Working,
        State::Waiting,
        State::Done,
        State::Stopped,
        State::Failed,
    ];
    order
        .iter()
        .filter_map(|&state| {
            let n = figures.iter().filter(|f| f.state == state).count();
            (n > 0).then(|| format!("{n} {}", words.state(state)))
        })
        .collect::<Vec<_>>()
        .join(", ")
}
