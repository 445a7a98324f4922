//! The report's requests section: totals over every delivery session, the rate chart against
//! the limit the API reported, and the requests by endpoint and answer.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use super::chart::rate_chart;
use super::facts::Facts;
use super::text::{clock, duration, esc, int, rate};

/// Requests: totals over every session, the rate chart, and the counts by endpoint.
pub(crate) fn requests(h: &mut String, f: &Facts) {
    let s = &f.sessions;
    let requests: u64 = s.iter().map(|s| s.requests).sum();
    let t429: u64 = s.iter().map(|s| s.status_429).sum();
    let retries: u64 = s.iter().map(|s| s.retries).sum();
    let waited = Duration::from_millis(s.iter().map(|s| s.throttled_ms).sum());
    let span_secs = s.iter().map(|s| s.span_ms).sum::<u64>() as f64 / 1000.0;
    let achieved = if span_secs > 0.0 && requests > 1 {
        (requests - 1) as f64 / span_secs
    } else {
        0.0
    };
    let limit = s
        .last()
        .map(|l| f64::from(l.limit_max) * 1000.0 / (l.limit_interval_ms.max(1)) as f64);
    let card = |n: String, l: &str| {
        format!("<div class=\"card\"><div class=\"n\">{n}</div><div class=\"l\">{l}</div></div>")
    };
    let _ = write!(
        h,
        "<section><h2>Requests and the rate limit</h2><div class=\"cards\">{}{}{}{}{}{}",
        card(int(requests), "requests sent"),
        card(format!("{}/s", rate(achieved)), "average while sending"),
        card(
            limit.map_or_else(|| "–".to_string(), |l| format!("{}/s", rate(l))),
            "limit reported by the API"
        ),
        card(int(t429), "rate-limited answers (429)"),
        card(int(retries), "retries"),
        card(duration(waited), "waited for the rate limiter"),
    );
    if s.len() > 1 {
        h.push_str(&card(int(s.len() as u64), "sessions (run + resumes)"));
    }
    if let Some(daily) = f.run.daily_remaining {
        h.push_str(&card(int(daily), "daily requests left"));
    }
    let _ = write!(
        h,
        "</div>{}<div class=\"key\"><span><i style=\"border-color:#1f6feb\"></i>requests per \
         second</span><span><i style=\"border-color:#d1242f;border-top-style:dashed\"></i>limit \
         </span><span><span style=\"color:#d1242f\">▼</span> answered 429</span><span>x axis: \
         sending time{}</span></div>",
        rate_chart(s),
        if s.len() > 1 {
            ", sessions end to end"
        } else {
            ""
        }
    );
    let _ = write!(
        h,
        "<p class=\"note\">Waiting for the limiter is how the run keeps to the limit (and \
         pauses a whole window after a 429); sending took {} in all.</p>",
        clock(span_secs)
    );
    endpoints(h, f);
    h.push_str("</section>");
}

fn endpoints(h: &mut String, f: &Facts) {
    let mut all: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for s in &f.sessions {
        let parsed: BTreeMap<String, BTreeMap<String, u64>> =
            serde_json::from_str(&s.endpoints_json).unwrap_or_default();
        for (endpoint, statuses) in parsed {
            let entry = all.entry(endpoint).or_default();
            for (status, n) in statuses {
                *entry.entry(status).or_default() += n;
            }
        }
    }
    if all.is_empty() {
        return;
    }
    h.push_str(
        "<table style=\"margin-top:12px\"><tr><th>Endpoint</th><th class=\"num\">Requests</th>\
         <th>By answer</th></tr>",
    );
    for (endpoint, statuses) in &all {
        let total: u64 = statuses.values().sum();
        let list: Vec<String> = statuses
            .iter()
            .map(|(status, n)| format!("{} × {}", esc(status), int(*n)))
            .collect();
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(endpoint),
            int(total),
            list.join(", ")
        );
    }
    h.push_str("</table>");
}
