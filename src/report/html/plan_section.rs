//! The report's plan section, for a run that `ghl-bulk plan` wrote (and `import --plan` then
//! carried out): rows per planned action, what reading the location cost, and what carrying
//! the plan out costs (the write requests, the `dateUpdated` check, the time at the limit).

use std::fmt::Write as _;

use serde_json::Value;

use super::facts::Facts;
use super::text::{esc, int};
use crate::ledger::Action;

/// What the plan says, from the ledger's decisions and the summary's `plan` part.
#[derive(Debug, Clone, Default)]
pub(crate) struct PlanFacts {
    /// Rows per action, in [`Action::ALL`]'s order (actions without rows left out).
    pub actions: Vec<(Action, u64)>,
    /// How the location was read (`snapshot`, `look-ups`), and the requests it cost.
    pub view: Option<(String, u64)>,
    /// Requests carrying the plan out costs: writes, then the searches of the check.
    pub writes: u64,
    pub checks: u64,
    /// The estimate line the plan printed (requests and time at the API's limit).
    pub estimate: Option<String>,
    /// When `import --plan` started carrying it out.
    pub carried_out: Option<String>,
}

/// The plan facts of a run that `ghl-bulk plan` wrote (`None` otherwise: an import that read
/// the location itself has decisions too, but no plan files to point at).
pub(crate) fn plan_facts(
    counts: &[(Action, u64)],
    summary: &Value,
    carried_out: Option<String>,
) -> Option<PlanFacts> {
    if !summary["plan"].is_object() {
        return None;
    }
    let plan = &summary["plan"];
    let carry = &plan["carry_out"];
    Some(PlanFacts {
        actions: counts.to_vec(),
        view: plan["view"]["method"].as_str().map(|m| {
            (
                m.to_string(),
                plan["view"]["requests"].as_u64().unwrap_or(0),
            )
        }),
        writes: carry["writes"].as_u64().unwrap_or(0),
        checks: carry["checks"].as_u64().unwrap_or(0),
        estimate: carry["line"].as_str().map(str::to_string),
        carried_out,
    })
}

/// What each action does, for the reader of the page.
fn meaning(action: Action) -> &'static str {
    match action {
        Action::Create => "new contact: one request, tags included",
        Action::Update => "existing contact: only what differs is sent (1–2 requests)",
        Action::Unchanged => "the contact already holds the row's values: no request",
        Action::Conflict => {
            "the row's email and phone point at different contacts: not sent, see plan.csv"
        }
    }
}

/// The section (nothing for a run without a plan).
pub(crate) fn plan(h: &mut String, f: &Facts) {
    let Some(p) = &f.plan else {
        return;
    };
    h.push_str(
        "<section><h2>Plan</h2><p class=\"muted\" style=\"margin-top:-6px\">What the location \
         held for each row when the plan read it, and so what carrying it out does. Every row, \
         with its changes as <code>field: before → after</code>, is in <code>plan.csv</code> \
         and <code>plan.xlsx</code>.</p><table><tr><th>Action</th><th class=\"num\">Rows</th>\
         <th>Meaning</th></tr>",
    );
    for (action, n) in &p.actions {
        let _ = write!(
            h,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td>{}</td></tr>",
            action.as_str(),
            int(*n),
            esc(meaning(*action))
        );
    }
    h.push_str("</table>");
    if let Some((method, requests)) = &p.view {
        let _ = write!(
            h,
            "<p>The location was read by {} ({} request{}).</p>",
            esc(method),
            int(*requests),
            if *requests == 1 { "" } else { "s" }
        );
    }
    let _ = write!(
        h,
        "<p>Carrying it out (<code>ghl-bulk import --plan {}</code>) costs {} write request{} \
         and {} search{} checking that no planned contact changed since.</p>",
        esc(&f.run_dir),
        int(p.writes),
        if p.writes == 1 { "" } else { "s" },
        int(p.checks),
        if p.checks == 1 { "" } else { "es" },
    );
    if let Some(line) = &p.estimate {
        let _ = write!(h, "<p class=\"muted\">{}</p>", esc(line));
    }
    if let Some(at) = &p.carried_out {
        let _ = write!(
            h,
            "<p>Carried out by <code>import --plan</code> from {}.</p>",
            esc(&super::text::timestamp(at))
        );
    }
    h.push_str("</section>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_section_shows_counts_and_costs_and_escapes() {
        let summary = json!({"plan": {
            "view": {"method": "look-ups", "requests": 2},
            "carry_out": {"writes": 3, "checks": 1, "line": "Estimate: 4 requests <fast>"},
        }});
        let counts = [
            (Action::Create, 1),
            (Action::Update, 2),
            (Action::Conflict, 1),
        ];
        let facts = Facts {
            run_dir: "runs/p".into(),
            plan: plan_facts(&counts, &summary, Some("2026-12-07T12:00:00Z".into())),
            ..Facts::default()
        };
        let mut h = String::new();
        plan(&mut h, &facts);
        assert!(
            h.contains("<code>update</code></td><td class=\"num\">2</td>"),
            "{h}"
        );
        assert!(h.contains("look-ups (2 requests)"), "{h}");
        assert!(h.contains("3 write requests and 1 search"), "{h}");
        assert!(h.contains("Estimate: 4 requests &lt;fast&gt;"), "{h}");
        assert!(h.contains("import --plan runs/p"), "{h}");
        assert!(h.contains("Carried out by"), "{h}");

        let mut none = String::new();
        let unplanned = Facts {
            plan: plan_facts(&counts, &json!({"command": "import"}), None),
            ..Facts::default()
        };
        plan(&mut none, &unplanned);
        assert!(none.is_empty());
    }
}
