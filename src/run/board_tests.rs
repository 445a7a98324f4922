use super::*;
use proptest::prelude::*;

fn at(location: &str, state: State, rows: (u64, u64), requests: u64, secs: u64) -> Figures {
    Figures {
        location: location.to_string(),
        state,
        rows_done: rows.0,
        rows_total: rows.1,
        requests,
        active: Duration::from_secs(secs),
    }
}

#[test]
fn every_location_then_the_total() {
    let figures = [
        at("LocA", State::Working, (1_200, 5_000), 300, 10),
        at("LocationB", State::Done, (300, 300), 6, 3),
        at("LocC", State::Waiting, (0, 0), 0, 0),
    ];
    assert_eq!(
        render(Words::IMPORT, &figures, Duration::from_secs(20), None),
        [
            "  LocA       delivering  1,200/5,000 rows, 300 requests, 30.0 req/s",
            "  LocationB  done        300/300 rows, 6 requests, 2.0 req/s",
            "  LocC       waiting     0/0 rows, 0 requests, 0.0 req/s",
            "Delivering to 3 locations: 1,500/5,300 rows, 306 requests, 15.3 req/s \
             (1 delivering, 1 waiting, 1 done)",
        ]
    );
}

#[test]
fn an_export_reads_and_a_stopped_location_says_so() {
    let figures = [
        at("A", State::Stopped, (5, 10), 2, 0),
        at("B", State::Failed, (0, 10), 1, 1),
    ];
    assert_eq!(
        render(Words::EXPORT, &figures, Duration::ZERO, None),
        [
            "  A  stopped     5/10 contacts, 2 requests, 2.0 req/s",
            "  B  failed      0/10 contacts, 1 requests, 1.0 req/s",
            "Exporting 2 locations: 5/20 contacts, 3 requests, 3.0 req/s (1 stopped, 1 failed)",
        ]
    );
}

#[test]
fn on_a_terminal_the_busiest_are_shown_in_their_order_and_the_rest_counted() {
    let figures = [
        at("done1", State::Done, (9, 9), 90, 10),
        at("slow", State::Working, (1, 9), 10, 10),
        at("wait1", State::Waiting, (0, 0), 0, 0),
        at("fast", State::Working, (5, 9), 50, 10),
        at("wait2", State::Waiting, (0, 0), 0, 0),
    ];
    let lines = render(Words::IMPORT, &figures, Duration::from_secs(10), Some(3));
    let shown: Vec<&str> = lines
        .iter()
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    assert_eq!(shown, ["slow", "wait1", "fast", "…", "Delivering"]);
    assert_eq!(lines[3], "  … and 2 more: 1 waiting, 1 done");
}

#[tokio::test(start_paused = true)]
async fn a_slot_measures_its_rate_while_it_works() {
    let board = Board::new(Words::IMPORT);
    let a = board.slot("A");
    let b = board.slot("B");
    a.state(State::Working);
    tokio::time::advance(Duration::from_secs(4)).await;
    a.report(4, 10, 40);
    a.state(State::Done);
    tokio::time::advance(Duration::from_secs(6)).await;
    let figures = board.figures();
    assert_eq!(figures[0].active, Duration::from_secs(4), "frozen at done");
    assert_eq!(figures[0].rate(), 10.0);
    assert_eq!(figures[1].state, State::Waiting);
    b.state(State::Working);
    b.requests(7);
    assert_eq!(board.figures()[1].requests, 7);
    let lines = board.render(None);
    assert_eq!(lines.len(), 3);
    assert!(lines[2].ends_with("47 requests, 4.7 req/s (1 delivering, 1 done)"));
}

fn any_state() -> impl Strategy<Value = State> {
    prop_oneof![
        Just(State::Waiting),
        Just(State::Working),
        Just(State::Done),
        Just(State::Stopped),
        Just(State::Failed),
    ]
}

proptest! {
    #[test]
    fn the_lines_fit_the_limit_and_account_for_every_location(
        states in prop::collection::vec((any_state(), 0u64..1_000, 0u64..60), 0..40),
        limit in 1usize..15,
    ) {
        let figures: Vec<Figures> = states
            .iter()
            .enumerate()
            .map(|(i, (state, requests, secs))| at(&format!("L{i}"), *state, (0, 1), *requests, *secs))
            .collect();
        let lines = render(Words::IMPORT, &figures, Duration::from_secs(60), Some(limit));
        let hidden = figures.len().saturating_sub(limit);
        prop_assert_eq!(lines.len(), figures.len().min(limit) + usize::from(hidden > 0) + 1);
        if hidden > 0 {
            let more = format!("  … and {hidden} more: ");
            prop_assert!(lines[limit].starts_with(&more));
        }
        let everything = render(Words::IMPORT, &figures, Duration::from_secs(60), None);
        prop_assert_eq!(everything.len(), figures.len() + 1);
        prop_assert_eq!(lines.last(), everything.last());
    }
}
