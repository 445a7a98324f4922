//! The report's inline SVG charts: the outcome bar, and the request rate over time against the
//! limit with the 429s marked. Pure functions from numbers to SVG text; the scaling (nice axis
//! steps, a visible sliver for tiny counts, a bounded number of points) is unit-tested here.

use std::fmt::Write as _;

use super::text::{clock, esc, percent, rate};
use crate::ledger::RequestSession;

/// Points drawn for the whole rate chart, however long the run: about two per pixel column.
const MAX_POINTS: usize = 2000;
/// Narrowest segment of the outcome bar, in viewBox units (of 1000): one row in a million
/// stays visible.
const MIN_SEGMENT: f64 = 4.0;

/// One outcome of the bar: label, count, CSS colour.
pub(crate) struct Segment<'a> {
    /// What the outcome is called on the page.
    pub label: &'a str,
    /// Rows with it.
    pub count: u64,
    /// A CSS colour (our own constant, never user data).
    pub colour: &'a str,
}

/// Widths (summing to `total_width`) for these counts: proportional, except that every
/// non-zero count gets at least [`MIN_SEGMENT`], taken from the wider ones.
pub(crate) fn segment_widths(counts: &[u64], total_width: f64) -> Vec<f64> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return vec![0.0; counts.len()];
    }
    let raw: Vec<f64> = counts
        .iter()
        .map(|&c| c as f64 * total_width / total as f64)
        .collect();
    let small: Vec<bool> = raw.iter().map(|&w| w > 0.0 && w < MIN_SEGMENT).collect();
    let reserved = small.iter().filter(|&&s| s).count() as f64 * MIN_SEGMENT;
    let rest: f64 = raw
        .iter()
        .zip(&small)
        .filter(|(_, &s)| !s)
        .map(|(w, _)| w)
        .sum();
    let scale = if rest > 0.0 {
        (total_width - reserved).max(0.0) / rest
    } else {
        1.0
    };
    raw.iter()
        .zip(&small)
        .map(|(&w, &s)| if s { MIN_SEGMENT } else { w * scale })
        .collect()
}

/// The outcome bar: one segment per non-zero outcome, labelled inside when there is room.
pub(crate) fn outcome_bar(segments: &[Segment<'_>]) -> String {
    let total: u64 = segments.iter().map(|s| s.count).sum();
    let widths = segment_widths(
        &segments.iter().map(|s| s.count).collect::<Vec<_>>(),
        1000.0,
    );
    let mut svg = String::from(
        "<svg class=\"bar\" viewBox=\"0 0 1000 44\" preserveAspectRatio=\"none\" role=\"img\" \
         aria-label=\"Outcome of every row\">",
    );
    let mut x = 0.0;
    for (s, w) in segments.iter().zip(widths) {
        if s.count == 0 {
            continue;
        }
        let _ = write!(
            svg,
            "<rect x=\"{x:.2}\" y=\"0\" width=\"{w:.2}\" height=\"44\" fill=\"{}\">\
             <title>{}: {} ({})</title></rect>",
            s.colour,
            esc(s.label),
            s.count,
            percent(s.count, total)
        );
        x += w;
    }
    svg.push_str("</svg>");
    svg
}

/// A "nice" axis step (1, 2 or 5 × 10ⁿ) giving about `ticks` steps up to `max`.
pub(crate) fn nice_step(max: f64, ticks: usize) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let rough = max / ticks.max(1) as f64;
    let magnitude = 10f64.powf(rough.log10().floor());
    let unit = rough / magnitude;
    let nice = if unit <= 1.0 {
        1.0
    } else if unit <= 2.0 {
        2.0
    } else if unit <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// One point of the rate chart: start and end (seconds of sending time, sessions laid end to
/// end), requests per second, 429s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RatePoint {
    /// Start, in seconds of sending time.
    pub from: f64,
    /// End, in seconds of sending time.
    pub to: f64,
    /// Requests sent per second over it.
    pub rate: f64,
    /// 429s answered in it.
    pub throttled: u64,
}

/// The sessions as chart points, at most about [`MAX_POINTS`] in all (neighbouring buckets
/// merged when a run has more), plus each session's start offset and limit (requests/s).
pub(crate) fn rate_points(sessions: &[RequestSession]) -> (Vec<RatePoint>, Vec<(f64, f64, f64)>) {
    let span = |s: &RequestSession| {
        let buckets = s.buckets.len() as f64 * s.bucket_ms as f64;
        (s.span_ms as f64).max(buckets) / 1000.0
    };
    let total: f64 = sessions.iter().map(span).sum::<f64>().max(0.001);
    let mut points = Vec::new();
    let mut limits = Vec::new();
    let mut offset = 0.0;
    for s in sessions {
        let length = span(s);
        let budget = ((MAX_POINTS as f64 * length / total).ceil() as usize).max(1);
        let merge = s.buckets.len().div_ceil(budget).max(1);
        let width = s.bucket_ms as f64 * merge as f64 / 1000.0;
        let end = s.span_ms as f64 / 1000.0;
        for (i, chunk) in s.buckets.chunks(merge).enumerate() {
            let from = i as f64 * width;
            // The last bucket is only partly elapsed: its rate is over the part that was.
            let covered = (end - from).clamp(width.min(1.0), width);
            let sent: u64 = chunk.iter().map(|b| b.0).sum();
            points.push(RatePoint {
                from: offset + from,
                to: offset + from + covered,
                rate: sent as f64 / covered,
                throttled: chunk.iter().map(|b| b.1).sum(),
            });
        }
        let limit = if s.limit_interval_ms > 0 {
            f64::from(s.limit_max) * 1000.0 / s.limit_interval_ms as f64
        } else {
            0.0
        };
        limits.push((offset, offset + length, limit));
        offset += length;
    }
    (points, limits)
}

const W: f64 = 1000.0;
const H: f64 = 300.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 18.0;
const BOTTOM: f64 = 30.0;

/// The rate chart: requests per second as a stepped area, each session's limit as a dashed
/// line, 429s as red marks along the top, resumes as vertical lines.
pub(crate) fn rate_chart(sessions: &[RequestSession]) -> String {
    let (points, limits) = rate_points(sessions);
    let span = limits.last().map_or(1.0, |l| l.1).max(1.0);
    let peak = points
        .iter()
        .map(|p| p.rate)
        .chain(limits.iter().map(|l| l.2))
        .fold(0.0, f64::max);
    let step = nice_step(peak * 1.1, 5);
    let top = (peak * 1.1 / step).ceil().max(1.0) * step;
    let x = |t: f64| LEFT + t / span * (W - LEFT - RIGHT);
    let y = |r: f64| TOP + (1.0 - r / top) * (H - TOP - BOTTOM);
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" \
         aria-label=\"Requests per second over the run, against the limit\">"
    );
    // Grid and y labels.
    let mut v = 0.0;
    while v <= top + step / 2.0 {
        let _ = write!(
            svg,
            "<line class=\"grid\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
             <text class=\"axis\" x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            W - RIGHT,
            LEFT - 6.0,
            y(v) + 4.0,
            rate(v),
            y = y(v)
        );
        v += step;
    }
    // X labels: about six, on nice clock values.
    let xstep = nice_time_step(span / 6.0);
    let mut t = 0.0;
    while t <= span + 1e-9 {
        let _ = write!(
            svg,
            "<text class=\"axis\" x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            x(t),
            H - 8.0,
            clock(t)
        );
        t += xstep;
    }
    // The rate as a stepped area.
    if !points.is_empty() {
        let mut path = format!("M{:.1},{:.1}", x(points[0].from), y(0.0));
        for p in &points {
            let _ = write!(
                path,
                "L{:.1},{:.1}L{:.1},{:.1}",
                x(p.from),
                y(p.rate),
                x(p.to),
                y(p.rate)
            );
        }
        let last = points.last().map_or(0.0, |p| p.to);
        let _ = write!(path, "L{:.1},{:.1}Z", x(last), y(0.0));
        let _ = write!(svg, "<path class=\"rate\" d=\"{path}\"/>");
    }
    for (i, (from, to, limit)) in limits.iter().enumerate() {
        if i > 0 {
            let _ = write!(
                svg,
                "<line class=\"resume\" x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{TOP}\" y2=\"{}\"/>\
                 <text class=\"axis\" x=\"{:.1}\" y=\"{}\">resume {}</text>",
                H - BOTTOM,
                x(*from) + 4.0,
                TOP + 10.0,
                i + 1,
                x = x(*from)
            );
        }
        if *limit > 0.0 {
            let _ = write!(
                svg,
                "<line class=\"limit\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\">\
                 <title>limit {} requests/s</title></line>",
                x(*from),
                x(*to),
                rate(*limit),
                y = y(*limit)
            );
        }
    }
    if let Some((_, to, limit)) = limits.last().filter(|l| l.2 > 0.0) {
        let _ = write!(
            svg,
            "<text class=\"limit-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">\
             limit {}/s</text>",
            x(*to) - 2.0,
            y(*limit) - 5.0,
            rate(*limit)
        );
    }
    for p in points.iter().filter(|p| p.throttled > 0) {
        let cx = x((p.from + p.to) / 2.0);
        let _ = write!(
            svg,
            "<path class=\"t429\" d=\"M{:.1},{TOP}l4,-8h-8Z\"><title>{} × 429 at {}</title></path>",
            cx,
            p.throttled,
            clock(p.from)
        );
    }
    let _ = write!(
        svg,
        "<line class=\"frame\" x1=\"{LEFT}\" x2=\"{}\" y1=\"{b}\" y2=\"{b}\"/></svg>",
        W - RIGHT,
        b = H - BOTTOM
    );
    svg
}

/// A step for time labels: 1, 2, 5, 10, 15, 30 s, then minutes and hours alike.
fn nice_time_step(rough: f64) -> f64 {
    const STEPS: [f64; 16] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
        14400.0, 21600.0,
    ];
    STEPS
        .iter()
        .copied()
        .find(|&s| s >= rough)
        .unwrap_or_else(|| (rough / 43200.0).ceil() * 43200.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_counts_stay_visible_and_widths_fill_the_bar() {
        let widths = segment_widths(&[999_998, 1, 1, 0], 1000.0);
        assert_eq!(widths[1], MIN_SEGMENT);
        assert_eq!(widths[2], MIN_SEGMENT);
        assert_eq!(widths[3], 0.0);
        assert!((widths.iter().sum::<f64>() - 1000.0).abs() < 1e-6);
        let even = segment_widths(&[1, 1], 1000.0);
        assert_eq!(even, [500.0, 500.0]);
        assert_eq!(segment_widths(&[0, 0], 1000.0), [0.0, 0.0]);
    }

    #[test]
    fn axis_steps_are_one_two_or_five() {
        assert_eq!(nice_step(11.0, 5), 5.0);
        assert_eq!(nice_step(110.0, 5), 50.0);
        assert_eq!(nice_step(9.0, 5), 2.0);
        assert_eq!(nice_step(0.5, 5), 0.1);
        assert_eq!(nice_step(0.0, 5), 1.0);
        assert_eq!(nice_time_step(40.0), 60.0);
        assert_eq!(nice_time_step(100_000.0 / 6.0), 21600.0);
    }

    fn session(bucket_ms: u64, buckets: Vec<(u64, u64)>, span_ms: u64) -> RequestSession {
        RequestSession {
            limit_max: 10,
            limit_interval_ms: 1000,
            bucket_ms,
            span_ms,
            buckets,
            ..RequestSession::default()
        }
    }

    #[test]
    fn rates_are_per_second_and_the_last_bucket_counts_its_elapsed_part() {
        let s = session(2000, vec![(20, 0), (10, 1)], 3000);
        let (points, limits) = rate_points(&[s]);
        assert_eq!(points.len(), 2);
        assert_eq!(points[0].rate, 10.0);
        // The second bucket covers 2 s..3 s only: 10 requests in 1 s.
        assert_eq!(points[1].rate, 10.0);
        assert_eq!(points[1].throttled, 1);
        assert_eq!(limits, [(0.0, 4.0, 10.0)]);
    }

    #[test]
    fn long_runs_are_drawn_with_a_bounded_number_of_points() {
        let first = session(64_000, vec![(640, 0); 2000], 128_000_000);
        let second = session(1000, vec![(10, 1); 2000], 2_000_000);
        let (points, limits) = rate_points(&[first, second]);
        assert!(points.len() <= MAX_POINTS + 2, "{}", points.len());
        assert!(points.iter().all(|p| (p.rate - 10.0).abs() < 1e-9));
        assert_eq!(
            limits[1].0, 128_000.0,
            "the resume starts where the first ended"
        );
        let svg = rate_chart(&[session(1000, vec![(10, 0), (10, 2)], 2000)]);
        assert_eq!(svg.matches("class=\"t429\"").count(), 1);
        assert!(svg.contains("limit 10/s"));
        assert!(svg.len() < 10_000);
    }
}
