//! The progress of a run over many locations: each location's delivery reports its figures to
//! its slot of one shared board, and the top run prints the board every ten seconds (one line
//! per location, then the total), the way a log keeps it, terminal or not: several bars
//! redrawn together would garble each other.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// One location's figures at its last report.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Line {
    pub rows_done: u64,
    pub rows_total: u64,
    pub requests: u64,
    /// Requests per second since its delivery started.
    pub rate: f64,
}

/// Every location's last figures, shared by the deliveries and the printer.
#[derive(Debug, Clone, Default)]
pub struct Board {
    lines: Arc<Mutex<BTreeMap<String, Line>>>,
}

impl Board {
    /// The slot a location reports to.
    pub fn slot(&self, location_id: &str) -> Slot {
        Slot {
            board: self.clone(),
            location_id: location_id.to_string(),
        }
    }

    /// One line per location that reported, then the total; empty before any report.
    pub fn render(&self) -> String {
        let lines = match self.lines.lock() {
            Ok(lines) => lines.clone(),
            // A panic elsewhere while holding it: the figures are only shown, show nothing.
            Err(_) => return String::new(),
        };
        render(&lines)
    }
}

/// Where one location's delivery reports its progress.
#[derive(Debug, Clone)]
pub struct Slot {
    board: Board,
    location_id: String,
}

impl Slot {
    pub fn report(&self, line: Line) {
        if let Ok(mut lines) = self.board.lines.lock() {
            lines.insert(self.location_id.clone(), line);
        }
    }
}

fn render(lines: &BTreeMap<String, Line>) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    let mut total = Line::default();
    for (id, line) in lines {
        out.push_str(&format!("  {id}: {}\n", words(line)));
        total.rows_done += line.rows_done;
        total.rows_total += line.rows_total;
        total.requests += line.requests;
        total.rate += line.rate;
    }
    out.push_str(&format!(
        "Delivering to {} locations: {}.\n",
        lines.len(),
        words(&total)
    ));
    out
}

fn words(line: &Line) -> String {
    format!(
        "{}/{} rows, {} requests, {:.1} req/s",
        line.rows_done, line.rows_total, line.requests, line.rate
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_board_shows_each_location_and_the_total() {
        let board = Board::default();
        assert_eq!(board.render(), "");
        let line = |rows_done, requests, rate| Line {
            rows_done,
            rows_total: 10,
            requests,
            rate,
        };
        board.slot("B").report(line(4, 5, 1.5));
        board.slot("A").report(line(1, 2, 0.5));
        board.slot("B").report(line(6, 7, 2.0));
        assert_eq!(
            board.render(),
            "  A: 1/10 rows, 2 requests, 0.5 req/s\n  B: 6/10 rows, 7 requests, 2.0 req/s\n\
             Delivering to 2 locations: 7/20 rows, 9 requests, 2.5 req/s.\n"
        );
    }
}
