//! The mapping keys that only delivery acts on: tag lists (`[tags]` and `[tags_remove]`), the
//! row's task (`[tasks]`: title, body, due date normalised here to the instant the API wants,
//! completed, assignee; and the rule's identity across runs) and its business (`business_id`). Compiled against the headers like the fields, applied per row.

use std::borrow::Cow;

use super::compile::{rule, Rule};
use super::headers::Headers;
use super::spec::{FieldTable, MappingSpec, OnInvalid, TagsSpec, TasksSpec};
use crate::contact::{normalise_dnd, normalise_dob, DateOrder, Draft, IssueCode, RowIssue};
use crate::contact::{Policy, TaskPayload};
use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// `[tags]` or `[tags_remove]` compiled: cells split on a delimiter, plus constant tags.
#[derive(Debug, Clone, Default)]
pub(super) struct TagRule {
    columns: Vec<usize>,
    delimiter: String,
    constant: Vec<String>,
    /// Lower-cased, trimmed.
    ignored: Vec<String>,
}

impl TagRule {
    pub(super) fn compile(
        spec: Option<&TagsSpec>,
        section: &str,
        headers: &Headers,
    ) -> Result<TagRule, String> {
        let Some(spec) = spec else {
            return Ok(TagRule::default());
        };
        let columns = spec
            .columns
            .iter()
            .map(|c| headers.find(c).map_err(|m| format!("{section}: {m}")))
            .collect::<Result<_, _>>()?;
        let delimiter = spec.delimiter.clone().unwrap_or_else(|| ",".into());
        if delimiter.is_empty() {
            return Err(format!("{section} delimiter must not be empty"));
        }
        Ok(TagRule {
            columns,
            delimiter,
            constant: spec.constant.clone(),
            ignored: spec
                .ignore
                .iter()
                .map(|t| t.trim().to_lowercase())
                .collect(),
        })
    }

    /// The row's tag pieces (not yet normalised), constant tags last. A cell whose items are
    /// each double-quoted (Mailchimp's `"Tag, with comma","Other"`) is read as a quoted list
    /// whatever the delimiter, so a comma inside a tag never splits it: in HighLevel a tag can
    /// start an automation, and a wrong one would start the wrong one.
    pub(super) fn apply<'a>(&'a self, cells: &'a [String], out: &mut Vec<Cow<'a, str>>) {
        let kept =
            |t: &str| self.ignored.is_empty() || !self.ignored.contains(&t.trim().to_lowercase());
        for &col in &self.columns {
            let text = cell(cells, col);
            match quoted_list(text) {
                Some(items) => out.extend(items.into_iter().filter(|t| kept(t)).map(Cow::Owned)),
                None => out.extend(
                    text.split(self.delimiter.as_str())
                        .filter(|t| kept(t))
                        .map(Cow::Borrowed),
                ),
            }
        }
        out.extend(self.constant.iter().map(|t| Cow::Borrowed(t.as_str())));
    }
}

/// The items of a cell written as a list of double-quoted items (`"A, b","C"`, `"A"; "B"`,
/// `"Say ""hi"""`), or `None` when the cell is not entirely such a list. Items are separated by
/// one punctuation character (`,` `;` `|` …) with optional spaces around it; `""` inside an
/// item is a quote, as in CSV.
pub(crate) fn quoted_list(cell: &str) -> Option<Vec<String>> {
    let mut chars = cell.trim().chars().peekable();
    chars.peek()?;
    let mut items = Vec::new();
    loop {
        if chars.next() != Some('"') {
            return None;
        }
        let mut item = String::new();
        loop {
            match chars.next()? {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    item.push('"');
                }
                '"' => break,
                c => item.push(c),
            }
        }
        items.push(item);
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            None => return Some(items),
            Some(c) if c.is_ascii_punctuation() && c != '"' => {}
            Some(_) => return None,
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
    }
}

#[derive(Debug, Clone)]
struct TaskRule {
    title: Rule,
    body: Option<Rule>,
    due: Rule,
    due_policy: Policy,
    completed: Option<Rule>,
    assignee: Option<Rule>,
    /// What the task is known by across runs (see [`task_rule_id`]).
    id: String,
}

/// Delivery's keys, compiled.
#[derive(Debug, Clone, Default)]
pub(super) struct Extras {
    tags_remove: TagRule,
    task: Option<TaskRule>,
    business: Option<Rule>,
}

impl Extras {
    pub(super) fn compile(spec: &MappingSpec, headers: &Headers) -> Result<Extras, String> {
        let tags_remove = TagRule::compile(spec.tags_remove.as_ref(), "[tags_remove]", headers)?;
        let task = spec
            .tasks
            .as_ref()
            .map(|t| task_rule(t, headers))
            .transpose()?;
        let business = spec
            .business_id
            .as_ref()
            .map(|f| plain(&f.0, "business_id", headers))
            .transpose()?;
        Ok(Extras {
            tags_remove,
            task,
            business,
        })
    }

    /// Fills the draft's tags to remove, task and business; a bad due date is an issue.
    pub(super) fn apply<'a>(
        &'a self,
        cells: &'a [String],
        order: DateOrder,
        draft: &mut Draft<'a>,
    ) {
        self.tags_remove.apply(cells, &mut draft.tags_remove);
        draft.business_id = self
            .business
            .as_ref()
            .and_then(|r| r.value(cells))
            .map(Cow::into_owned);
        let Some(task) = &self.task else { return };
        let Some(title) = task.title.value(cells) else {
            return;
        };
        let raw_due = task.due.value(cells).unwrap_or_default();
        let due = match normalise_due(&raw_due, order) {
            Ok(due) => due,
            Err(message) => {
                draft.issues.push(RowIssue {
                    field: "tasks.due".into(),
                    code: IssueCode::TaskDueInvalid,
                    message: format!(
                        "{message}; the task {} is left out",
                        crate::contact::quoted(title.trim())
                    ),
                    blocking: task.due_policy == Policy::RejectRow,
                });
                return;
            }
        };
        let completed = match task.completed.as_ref().and_then(|r| r.value(cells)) {
            None => false,
            // A yes/no that cannot be read is taken as "not done": an open task is the one
            // somebody will look at.
            Some(raw) => normalise_dnd(&raw).unwrap_or(false),
        };
        draft.task = Some(TaskPayload {
            title: title.trim().to_string(),
            body: task
                .body
                .as_ref()
                .and_then(|r| r.value(cells))
                .map(|b| b.trim().to_string()),
            due_date: due,
            completed,
            assigned_to: task
                .assignee
                .as_ref()
                .and_then(|r| r.value(cells))
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty()),
        });
    }

    /// The identity of the mapping's task rule, when it has one (see [`task_rule_id`]).
    pub(super) fn task_rule(&self) -> Option<&str> {
        self.task.as_ref().map(|t| t.id.as_str())
    }
}

/// What a `[tasks]` rule is known by across runs: a digest of its `title` entry as written
/// (the column it reads, or its constant, with its transforms), not of the title's text. The
/// same rule imported again for the same contact is then the same task, whatever its title,
/// due date or body now say, so it is updated rather than created again; a mapping whose title
/// entry differs (another campaign's "Call back" constant) makes a task of its own.
fn task_rule_id(spec: &TasksSpec) -> String {
    let canonical = serde_json::to_string(&spec.title.0).unwrap_or_default();
    let digest = blake3::hash(canonical.as_bytes()).to_hex();
    format!("task:{}", &digest[..16])
}

fn task_rule(spec: &TasksSpec, headers: &Headers) -> Result<TaskRule, String> {
    Ok(TaskRule {
        id: task_rule_id(spec),
        assignee: spec
            .assignee
            .as_ref()
            .map(|a| plain(&a.0, "[tasks] assignee", headers))
            .transpose()?,
        title: plain(&spec.title.0, "[tasks] title", headers)?,
        body: spec
            .body
            .as_ref()
            .map(|b| plain(&b.0, "[tasks] body", headers))
            .transpose()?,
        due: {
            let mut table = spec.due.0.clone();
            table.on_invalid = None;
            plain(&table, "[tasks] due", headers)?
        },
        due_policy: match spec.due.0.on_invalid {
            Some(OnInvalid::RejectRow) => Policy::RejectRow,
            _ => Policy::DropField,
        },
        completed: spec
            .completed
            .as_ref()
            .map(|c| plain(&c.0, "[tasks] completed", headers))
            .transpose()?,
    })
}

/// A field table that may not name a custom field or a policy.
fn plain(table: &FieldTable, at: &str, headers: &Headers) -> Result<Rule, String> {
    if table.key.is_some() || table.id.is_some() {
        return Err(format!(
            "{at}: `key` and `id` belong to [[custom_fields]] entries"
        ));
    }
    if table.on_invalid.is_some() {
        return Err(format!(
            "{at}: `on_invalid` is only read on [tasks] due (these values are not validated)"
        ));
    }
    rule(table, headers).map_err(|m| format!("{at}: {m}"))
}

fn cell(cells: &[String], index: usize) -> &str {
    cells.get(index).map_or("", String::as_str)
}

/// A due date as the tasks endpoint wants it: an ISO 8601 instant in UTC.
///
/// - With an offset (`2026-12-01T09:30:00+01:00`, `…Z`): converted to UTC.
/// - A date-time without one (`2026-12-01 09:30`): read as UTC, because a cell carries no zone
///   and guessing the location's would need a request this local stage does not make.
/// - A fractional Excel serial (`46357.5`): a date-time cell shown as a number.
/// - A date alone, in any format dates of birth accept (mapping `date_order` applies): noon
///   UTC, which is the same calendar day from UTC−11 to UTC+11, so the task shows on the day
///   written wherever the location is.
pub fn normalise_due(raw: &str, order: DateOrder) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("the due date is empty".into());
    }
    let out = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(out(t.with_timezone(&Utc)));
    }
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, format) {
            return Ok(out(t.and_utc()));
        }
    }
    if let Ok(serial) = s.parse::<f64>() {
        if serial.fract() != 0.0 && (1.0..2_958_466.0).contains(&serial) {
            let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .ok_or("the Excel epoch is not a date")?;
            let seconds = (serial * 86_400.0).round() as i64;
            return Ok(out((epoch + chrono::Duration::seconds(seconds)).and_utc()));
        }
    }
    let date = normalise_dob(s, order).map_err(|_| {
        format!(
            "the due date {} is not a date or a date-time",
            crate::contact::quoted(s)
        )
    })?;
    Ok(format!("{date}T12:00:00Z"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tags(delimiter: &str, cell: &str) -> Vec<String> {
        let headers = Headers::new(&["Tags".to_string()]);
        let spec = TagsSpec {
            columns: vec!["Tags".into()],
            delimiter: Some(delimiter.into()),
            ignore: vec!["* starred".into()],
            ..TagsSpec::default()
        };
        let rule = TagRule::compile(Some(&spec), "[tags]", &headers).unwrap();
        let cells = [cell.to_string()];
        let mut out = Vec::new();
        rule.apply(&cells, &mut out);
        out.into_iter().map(Cow::into_owned).collect()
    }

    #[test]
    fn quoted_tag_lists_keep_their_commas() {
        // Issue 21.4: Mailchimp's TAGS cell became three tags.
        assert_eq!(
            tags(",", r#""Tag, with comma","Other""#),
            ["Tag, with comma", "Other"]
        );
        assert_eq!(tags(";", r#""A, b" ; "C""#), ["A, b", "C"]);
        assert_eq!(tags(",", r#""Say ""hi""""#), [r#"Say "hi""#]);
        assert_eq!(tags(",", r#""Customer""#), ["Customer"]);
        assert_eq!(tags(",", r#""* starred","Vip""#), ["Vip"]);
        // Not a quoted list: split on the delimiter as before.
        assert_eq!(tags(",", "vip, trade show"), ["vip", " trade show"]);
        assert_eq!(
            tags(",", r#""vip", trade show"#),
            [r#""vip""#, " trade show"]
        );
        assert_eq!(tags(",", r#"a "quoted" word"#), [r#"a "quoted" word"#]);
        assert_eq!(tags(",", r#""unclosed, x"#), [r#""unclosed"#, " x"]);
        assert_eq!(quoted_list(""), None);
        assert_eq!(quoted_list(r#""a" "b""#), None);
    }

    proptest! {
        #[test]
        fn quoted_lists_round_trip(items in proptest::collection::vec("[ -~]{0,12}", 1..5),
                                   sep in "[,;|]", space in " ?") {
            let cell = items
                .iter()
                .map(|i| format!("\"{}\"", i.replace('"', "\"\"")))
                .collect::<Vec<_>>()
                .join(&format!("{sep}{space}"));
            prop_assert_eq!(quoted_list(&cell), Some(items));
        }

        #[test]
        fn quoted_list_never_panics(cell in "\\PC{0,40}") {
            let _ = quoted_list(&cell);
        }
    }

    #[test]
    fn due_dates_become_utc_instants() {
        let mdy = DateOrder::MonthFirst;
        let due = |s| normalise_due(s, mdy);
        assert_eq!(due("2026-12-01").unwrap(), "2026-12-01T12:00:00Z");
        assert_eq!(due("12/01/2026").unwrap(), "2026-12-01T12:00:00Z");
        assert_eq!(
            normalise_due("01/12/2026", DateOrder::DayFirst).unwrap(),
            "2026-12-01T12:00:00Z"
        );
        assert_eq!(
            due("2026-12-01T09:30:00+01:00").unwrap(),
            "2026-12-01T08:30:00Z"
        );
        assert_eq!(due("2026-12-01 09:30").unwrap(), "2026-12-01T09:30:00Z");
        assert_eq!(due("46357.5").unwrap(), "2026-12-01T12:00:00Z");
        assert!(due("next week").is_err());
        assert!(due("").is_err());
        assert!(due("2026-02-30").is_err());
    }
}
