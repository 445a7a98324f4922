//! Reading what the location holds for the file's identities: a snapshot of the whole location
//! (search pages of 500 with `searchAfter`, kept only where a contact carries one of the file's
//! emails or phones, so memory follows the file, not the location) or batched look-ups (many
//! identities per search request). Either way the result is one [`ServerView`].

use super::survey::{snapshot_page, Method, SNAPSHOT_PAGE};
use crate::api::models::{Contact, SearchResponse};
use crate::api::removal::{Identity, SEARCH_BATCH};
use crate::api::{ApiError, Client};
use futures_util::stream::{self, StreamExt};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

/// Look-up searches in flight at once.
const LOOKUPS_IN_FLIGHT: usize = 8;

/// The contacts the file's identities match, as the view read them.
#[derive(Debug, Default)]
pub struct ServerView {
    /// Each contact typed, and as search returned it (the before-image an undo restores).
    contacts: Vec<(Contact, Value)>,
    ids: HashSet<String>,
    by_email: HashMap<String, usize>,
    by_phone: HashMap<String, usize>,
}

impl ServerView {
    /// Keeps a contact (the first one seen for an email or a phone wins: the oldest, as both
    /// ways read in `dateAdded` order, which is the one HighLevel's matching finds first too).
    pub fn add(&mut self, raw: Value) {
        let Some(contact) = typed(&raw) else {
            tracing::warn!(
                "A contact in the search answer could not be read; left out of the view."
            );
            return;
        };
        if !self.ids.insert(contact.id.clone()) {
            return;
        }
        let index = self.contacts.len();
        if let Some(email) = contact.std.email.as_deref().filter(|e| !e.is_empty()) {
            self.by_email.entry(email.to_lowercase()).or_insert(index);
        }
        if let Some(phone) = contact.std.phone.as_deref().filter(|p| !p.is_empty()) {
            self.by_phone.entry(phone.to_string()).or_insert(index);
        }
        self.contacts.push((contact, raw));
    }

    pub fn by_email(&self, email: &str) -> Option<&(Contact, Value)> {
        let index = *self.by_email.get(&email.to_lowercase())?;
        self.contacts.get(index)
    }

    pub fn by_phone(&self, phone: &str) -> Option<&(Contact, Value)> {
        let index = *self.by_phone.get(phone)?;
        self.contacts.get(index)
    }

    pub fn len(&self) -> usize {
        self.contacts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.contacts.is_empty()
    }
}

/// A kept contact image (search's or GET's JSON) read as a typed contact.
pub fn typed_json(json: &str) -> Option<Contact> {
    typed(&serde_json::from_str(json).ok()?)
}

/// A search contact read as GET's: search says `address` and `businessName` where GET says
/// `address1` and `companyName`.
fn typed(raw: &Value) -> Option<Contact> {
    let mut value = raw.clone();
    if let Value::Object(map) = &mut value {
        // HighLevel's search documents only the lower-cased names ("firstName … not yet
        // available"): they stand in, and compare as different from a capitalised row, so
        // the row is sent (a PUT too many, never a change missed).
        for (search, get) in [
            ("address", "address1"),
            ("businessName", "companyName"),
            ("firstNameLowerCase", "firstName"),
            ("lastNameLowerCase", "lastName"),
        ] {
            if !map.contains_key(get) {
                if let Some(v) = map.get(search).cloned() {
                    map.insert(get.into(), v);
                }
            }
        }
    }
    serde_json::from_value::<Contact>(value)
        .ok()
        .filter(|c| !c.id.is_empty())
}

/// Why a read failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error("the location's search paging went wrong: {0}; nothing was written")]
    Paging(String),
}

/// Reads the location by `method` for `identities`, the snapshot going on from the survey's
/// `first` page; `on_request` is told after each request.
pub async fn read(
    client: &Client,
    method: Method,
    identities: &[Identity],
    first: SearchResponse,
    on_request: &(dyn Fn(u64) + Sync),
) -> Result<ServerView, ReadError> {
    match method {
        Method::Snapshot => snapshot(client, identities, first, on_request).await,
        Method::Lookups => lookups(client, identities, on_request).await,
    }
}

async fn snapshot(
    client: &Client,
    identities: &[Identity],
    first: SearchResponse,
    on_request: &(dyn Fn(u64) + Sync),
) -> Result<ServerView, ReadError> {
    let wanted: HashSet<&Identity> = identities.iter().collect();
    let mut view = ServerView::default();
    let mut seen: HashSet<Vec<Value>> = HashSet::new();
    let mut requests = 0;
    let mut page = first;
    loop {
        let full = page.contacts.len() as u64 >= SNAPSHOT_PAGE;
        let next = page.next_cursor();
        for contact in page.contacts {
            if carries_any(&contact, &wanted) {
                view.add(contact);
            }
        }
        if !full {
            return Ok(view);
        }
        // A full page must say where the next one starts: ending here would decide rows
        // against half a location (a contact on a later page taken for a new one).
        let Some(next) = next else {
            return Err(ReadError::Paging(
                "a full page came without a searchAfter cursor on its last contact".into(),
            ));
        };
        // A cursor met before means the paging cycles and would never end.
        if !seen.insert(next.clone()) {
            return Err(ReadError::Paging(format!(
                "the searchAfter cursor came back ({})",
                Value::Array(next)
            )));
        }
        page = client.search(&snapshot_page(client, Some(next))).await?;
        requests += 1;
        on_request(requests);
    }
}

fn carries_any(contact: &Value, wanted: &HashSet<&Identity>) -> bool {
    let text = |key: &str| contact.get(key).and_then(Value::as_str).unwrap_or_default();
    let email = text("email");
    let phone = text("phone");
    (!email.is_empty() && wanted.contains(&Identity::Email(email.to_lowercase())))
        || (!phone.is_empty() && wanted.contains(&Identity::Phone(phone.to_string())))
}

async fn lookups(
    client: &Client,
    identities: &[Identity],
    on_request: &(dyn Fn(u64) + Sync),
) -> Result<ServerView, ReadError> {
    let (searchable, long): (Vec<&Identity>, Vec<&Identity>) =
        identities.iter().partition(|i| i.searchable());
    let mut view = ServerView::default();
    let mut requests = 0;
    let searchable: Vec<Identity> = searchable.into_iter().cloned().collect();
    // Independent searches: several in flight, paced by the client's one limiter. Answers
    // are kept in request order, so the first contact seen for an identity is the same
    // whatever the timing.
    let mut answers = stream::iter(searchable.chunks(SEARCH_BATCH))
        .map(|chunk| client.search_any(chunk))
        .buffered(LOOKUPS_IN_FLIGHT);
    while let Some(found) = answers.next().await {
        for contact in found? {
            view.add(contact);
        }
        requests += 1;
        on_request(requests);
    }
    // Too long for a search filter (a 76-character email): the duplicate lookup takes it.
    for identity in long {
        if let Identity::Email(email) = identity {
            if let Some(contact) = client.find_duplicate(Some(email), None).await? {
                view.add(serde_json::to_value(contact).unwrap_or_default());
            }
            requests += 1;
            on_request(requests);
        }
    }
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn search_contacts_read_as_get_and_index_by_identity() {
        let mut view = ServerView::default();
        view.add(
            json!({"id": "a1", "email": "Ann@Example.com", "phone": "+15550001",
            "address": "1 Main St", "businessName": "Acme", "tags": ["x"]}),
        );
        view.add(json!({"id": "b2", "email": "ann@example.com", "firstNameLowerCase": "bo"}));
        view.add(json!({"email": "no-id@example.com"}));
        assert_eq!(view.len(), 2);
        let (ann, _) = view.by_email("ANN@example.com").unwrap();
        assert_eq!(ann.id, "a1", "the first contact seen keeps the email");
        assert_eq!(ann.std.address1.as_deref(), Some("1 Main St"));
        assert_eq!(ann.std.company_name.as_deref(), Some("Acme"));
        assert_eq!(view.by_phone("+15550001").unwrap().0.id, "a1");
        let bo = typed(&json!({"id": "b2", "firstNameLowerCase": "bo", "firstName": "Bo"}));
        assert_eq!(
            bo.unwrap().std.first_name.as_deref(),
            Some("Bo"),
            "the real case wins"
        );
        let bo = typed(&json!({"id": "b2", "firstNameLowerCase": "bo"}));
        assert_eq!(bo.unwrap().std.first_name.as_deref(), Some("bo"));
        assert!(view.by_phone("+15550002").is_none());
    }

    #[test]
    fn a_snapshot_keeps_only_the_files_identities() {
        let ids = [
            Identity::Email("a@x.co".into()),
            Identity::Phone("+1555".into()),
        ];
        let wanted: HashSet<&Identity> = ids.iter().collect();
        assert!(carries_any(&json!({"email": "A@x.co"}), &wanted));
        assert!(carries_any(&json!({"phone": "+1555"}), &wanted));
        assert!(!carries_any(
            &json!({"email": "b@x.co", "phone": "+1666"}),
            &wanted
        ));
        assert!(!carries_any(&json!({}), &wanted));
    }
}
