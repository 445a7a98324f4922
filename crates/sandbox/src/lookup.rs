//! Which contacts a search can take from the email and phone indexes instead of reading every
//! contact: a filter that can only match contacts whose email or phone equals one of a few
//! values (`eq` with a value or a list, or OR groups of such). The look-up gives a superset of
//! the matches; the search still runs the whole filter on each of them, so the results are the
//! scan's, in the same order, only the work shrinks (100 e-mails against 200,000 contacts).

use crate::config::MatchField;
use crate::contact::Contact;
use crate::query::{wanted_texts, Filter, Op};
use crate::store::Location;
use std::collections::HashSet;

/// The (field, value) pairs whose contacts hold every match of `f`, or `None` when `f` can
/// match a contact that no such pair finds (then the search scans).
pub(crate) fn keys(f: &Filter) -> Option<Vec<(MatchField, String)>> {
    match f {
        Filter::Cond {
            field,
            op: Op::Eq,
            value,
        } => {
            let field = match field.as_str() {
                "email" => MatchField::Email,
                "phone" => MatchField::Phone,
                _ => return None,
            };
            // The filter compares lower-cased texts; the email index is lower-case and phones
            // are stored as E.164 (digits and `+`), which lower-casing leaves alone.
            Some(
                wanted_texts(value)
                    .into_iter()
                    .map(|text| (field, text))
                    .collect(),
            )
        }
        Filter::Cond { .. } => None,
        // An empty OR group matches everything.
        Filter::Group { any: true, items } if items.is_empty() => None,
        Filter::Group { any: true, items } => {
            let mut all = Vec::new();
            for item in items {
                all.extend(keys(item)?);
            }
            Some(all)
        }
        // Every item of an AND group must match: any one item's keys bound the matches; the
        // fewest keys mean the least work.
        Filter::Group { any: false, items } => items.iter().filter_map(keys).min_by_key(Vec::len),
    }
}

/// The contacts to run `f` on: the looked-up ones when `f` allows it, else all of them.
pub(crate) fn candidates<'a>(
    loc: &'a Location,
    f: &Filter,
) -> Box<dyn Iterator<Item = &'a Contact> + 'a> {
    let Some(keys) = keys(f) else {
        return Box::new(loc.contacts.values());
    };
    let mut seen = HashSet::new();
    let found: Vec<&Contact> = keys
        .iter()
        .flat_map(|(field, key)| loc.ids_with(*field, key))
        .filter(|id| seen.insert(id.as_str()))
        .filter_map(|id| loc.contacts.get(id))
        .collect();
    Box::new(found.into_iter())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn parse(filters: Value) -> Filter {
        let mut errors = Vec::new();
        let f = crate::query::parse(&filters, &[], &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        f
    }

    fn count(filters: Value) -> Option<usize> {
        keys(&parse(filters)).map(|k| k.len())
    }

    #[test]
    fn eq_on_email_or_phone_and_or_groups_of_them_are_looked_up() {
        let email = json!({"field": "email", "operator": "eq", "value": ["a@x.io", "B@x.io"]});
        let phone = json!({"field": "phone", "operator": "eq", "value": "+15550001"});
        let tag = json!({"field": "tags", "operator": "eq", "value": "vip"});
        assert_eq!(count(json!([email])), Some(2));
        assert_eq!(
            count(json!([phone, tag])),
            Some(1),
            "AND: the phone bounds it"
        );
        assert_eq!(
            count(json!([{"group": "OR", "filters": [email, phone]}])),
            Some(3)
        );
        assert_eq!(
            count(json!([{"group": "OR", "filters": [email, tag]}])),
            None,
            "an OR with a scanned branch scans"
        );
        assert_eq!(count(json!([tag])), None);
        assert_eq!(count(json!([{"group": "OR", "filters": []}])), None);
        assert_eq!(
            count(json!([{"field": "email", "operator": "not_eq", "value": "a@x.io"}])),
            None
        );
        assert_eq!(
            keys(&parse(json!([email]))).unwrap()[1],
            (MatchField::Email, "b@x.io".to_string()),
            "values compare lower-cased"
        );
    }
}
