//! The sandbox's state: locations with their contacts (indexed by lower-case email and by E.164
//! phone), notes, tasks, appointments, custom fields and deleted ids; tokens and OAuth grants; the seeded id
//! generator. It lives behind one `RwLock` held briefly and never across an await.

use crate::accounts::CompanyGrant;
use crate::config::{
    CustomFieldDef, LocationConfig, MatchField, OAuthClientConfig, RefreshTokenConfig, TokenConfig,
};
use crate::contact::Contact;
pub(crate) use crate::records::{Appointment, Note, Task};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

/// Settings of a location that shape contact writes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Settings {
    pub allow_duplicate_contact: bool,
    pub match_order: Vec<MatchField>,
    pub country: String,
}

/// One location's data.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Location {
    pub id: String,
    /// Display name (snapshots written before names existed lack it: the id is shown).
    #[serde(default)]
    pub name: String,
    pub settings: Settings,
    pub custom_fields: Vec<CustomFieldDef>,
    pub contacts: HashMap<String, Contact>,
    pub deleted: HashSet<String>,
    pub notes: HashMap<String, Vec<Note>>,
    pub tasks: HashMap<String, Vec<Task>>,
    /// Appointments by contact id (snapshots written before appointments existed lack it).
    #[serde(default)]
    pub appointments: HashMap<String, Vec<Appointment>>,
    /// Lower-case email → contact ids in insertion order (several when duplicates are allowed).
    #[serde(skip)]
    by_email: HashMap<String, Vec<String>>,
    /// E.164 phone → contact ids in insertion order.
    #[serde(skip)]
    by_phone: HashMap<String, Vec<String>>,
}

impl Location {
    /// An empty location from its configuration (contacts are loaded separately).
    pub(crate) fn new(cfg: &LocationConfig) -> Location {
        Location {
            id: cfg.id.clone(),
            name: cfg.name.clone().unwrap_or_else(|| cfg.id.clone()),
            settings: Settings {
                allow_duplicate_contact: cfg.allow_duplicate_contact,
                match_order: cfg.match_order.clone(),
                country: cfg.country.clone(),
            },
            custom_fields: cfg.custom_fields.clone(),
            contacts: HashMap::new(),
            deleted: HashSet::new(),
            notes: HashMap::new(),
            tasks: HashMap::new(),
            appointments: HashMap::new(),
            by_email: HashMap::new(),
            by_phone: HashMap::new(),
        }
    }

    /// Every contact's `(dateAdded, id)`, oldest first (ties by id): the order the indexes and
    /// generated records are built in, whatever the map's.
    pub(crate) fn by_age(&self) -> Vec<(i64, String)> {
        let mut all: Vec<(i64, String)> = self
            .contacts
            .values()
            .map(|c| (c.date_added, c.id.clone()))
            .collect();
        all.sort();
        all
    }

    /// Rebuilds the indexes (after loading a snapshot).
    pub(crate) fn reindex(&mut self) {
        self.by_email.clear();
        self.by_phone.clear();
        for (_, id) in self.by_age() {
            if let Some(c) = self.contacts.get(&id) {
                let (e, p) = keys(c);
                index_add(&mut self.by_email, e, &id);
                index_add(&mut self.by_phone, p, &id);
            }
        }
    }

    /// The oldest contact whose `field` equals the (normalised) value, other than `except`.
    pub(crate) fn find_by(
        &self,
        field: MatchField,
        value: &str,
        except: Option<&str>,
    ) -> Option<&Contact> {
        let (index, key) = match field {
            MatchField::Email => (&self.by_email, value.to_lowercase()),
            MatchField::Phone => (&self.by_phone, value.to_string()),
        };
        index
            .get(&key)?
            .iter()
            .find(|id| Some(id.as_str()) != except)
            .and_then(|id| self.contacts.get(id))
    }

    /// The ids of the contacts whose `field` equals `key` (an email compared lower-cased, a
    /// phone as stored, E.164), oldest first: the search's look-up path.
    pub(crate) fn ids_with(&self, field: MatchField, key: &str) -> &[String] {
        let found = match field {
            MatchField::Email => self.by_email.get(&key.to_lowercase()),
            MatchField::Phone => self.by_phone.get(key),
        };
        found.map(Vec::as_slice).unwrap_or_default()
    }

    /// The first contact matching in the location's match order, with the field that matched.
    pub(crate) fn find_match(
        &self,
        email: Option<&str>,
        phone: Option<&str>,
        except: Option<&str>,
    ) -> Option<(&Contact, MatchField)> {
        self.settings.match_order.iter().find_map(|f| {
            let v = match f {
                MatchField::Email => email?,
                MatchField::Phone => phone?,
            };
            self.find_by(*f, v, except).map(|c| (c, *f))
        })
    }

    /// Stores a new contact.
    pub(crate) fn insert(&mut self, c: Contact) {
        let (e, p) = keys(&c);
        index_add(&mut self.by_email, e, &c.id);
        index_add(&mut self.by_phone, p, &c.id);
        self.contacts.insert(c.id.clone(), c);
    }

    /// Changes a contact through `f`, keeping the indexes right. Returns false if unknown.
    pub(crate) fn update(&mut self, id: &str, f: impl FnOnce(&mut Contact)) -> bool {
        let Some(c) = self.contacts.get_mut(id) else {
            return false;
        };
        let before = keys(c);
        f(c);
        let after = keys(c);
        if before != after {
            index_remove(&mut self.by_email, before.0, id);
            index_remove(&mut self.by_phone, before.1, id);
            index_add(&mut self.by_email, after.0, id);
            index_add(&mut self.by_phone, after.1, id);
        }
        true
    }

    /// A contact's appointments by start time, then id (the order the API lists them in).
    pub(crate) fn appointments_of(&self, contact: &str) -> Vec<&Appointment> {
        let mut list: Vec<&Appointment> = self
            .appointments
            .get(contact)
            .into_iter()
            .flatten()
            .collect();
        list.sort_by(|a, b| (a.start_time, &a.id).cmp(&(b.start_time, &b.id)));
        list
    }

    /// Deletes a contact with its notes, tasks and appointments; remembers the id as deleted.
    pub(crate) fn remove(&mut self, id: &str) -> Option<Contact> {
        let c = self.contacts.remove(id)?;
        let (e, p) = keys(&c);
        index_remove(&mut self.by_email, e, id);
        index_remove(&mut self.by_phone, p, id);
        self.notes.remove(id);
        self.tasks.remove(id);
        self.appointments.remove(id);
        self.deleted.insert(id.to_string());
        Some(c)
    }
}

fn keys(c: &Contact) -> (Option<String>, Option<String>) {
    (c.email.as_ref().map(|e| e.to_lowercase()), c.phone.clone())
}

fn index_add(index: &mut HashMap<String, Vec<String>>, key: Option<String>, id: &str) {
    if let Some(k) = key {
        index.entry(k).or_default().push(id.to_string());
    }
}

fn index_remove(index: &mut HashMap<String, Vec<String>>, key: Option<String>, id: &str) {
    if let Some(k) = key {
        if let Some(ids) = index.get_mut(&k) {
            ids.retain(|x| x != id);
            if ids.is_empty() {
                index.remove(&k);
            }
        }
    }
}

/// Everything the sandbox stores. Serialisable as the `--data` snapshot.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Store {
    /// Snapshot format version.
    pub version: u32,
    pub locations: HashMap<String, Location>,
    pub tokens: HashMap<String, TokenConfig>,
    pub refresh_tokens: HashMap<String, RefreshTokenConfig>,
    /// Refresh tokens of user type Company (snapshots from before agencies lack them).
    #[serde(default)]
    pub company_refresh_tokens: HashMap<String, CompanyGrant>,
    pub oauth_clients: Vec<OAuthClientConfig>,
    #[serde(skip, default = "default_rng")]
    rng: fastrand::Rng,
}

fn default_rng() -> fastrand::Rng {
    fastrand::Rng::with_seed(0)
}

/// Current `--data` snapshot format.
pub(crate) const SNAPSHOT_VERSION: u32 = 1;

const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A 20-character alphanumeric id drawn from `rng`.
pub(crate) fn random_id(rng: &mut fastrand::Rng) -> String {
    (0..20)
        .map(|_| ID_ALPHABET[rng.usize(..ID_ALPHABET.len())] as char)
        .collect()
}

impl Store {
    /// An empty store whose ids come from `seed`.
    pub(crate) fn new(seed: u64) -> Store {
        Store {
            version: SNAPSHOT_VERSION,
            locations: HashMap::new(),
            tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            company_refresh_tokens: HashMap::new(),
            oauth_clients: Vec::new(),
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// Reseeds the id generator (after loading a snapshot, so new ids do not repeat old ones).
    pub(crate) fn reseed(&mut self, seed: u64) {
        self.rng = fastrand::Rng::with_seed(seed);
    }

    /// A new 20-character alphanumeric id (Firebase style), unique in this store.
    pub(crate) fn new_id(&mut self) -> String {
        loop {
            let id = random_id(&mut self.rng);
            if !self
                .locations
                .values()
                .any(|l| l.contacts.contains_key(&id) || l.deleted.contains(&id))
            {
                return id;
            }
        }
    }

    /// Random draws for generated data.
    pub(crate) fn rng(&mut self) -> &mut fastrand::Rng {
        &mut self.rng
    }

    /// The location holding contact `id`, if any.
    pub(crate) fn location_of(&self, id: &str) -> Option<&str> {
        self.locations
            .values()
            .find(|l| l.contacts.contains_key(id))
            .map(|l| l.id.as_str())
    }

    /// Every contact as JSON, optionally of one location, ordered by dateAdded then id.
    pub(crate) fn dump(&self, location: Option<&str>) -> Vec<Value> {
        let mut all: Vec<&Contact> = self
            .locations
            .values()
            .filter(|l| location.is_none_or(|id| l.id == id))
            .flat_map(|l| l.contacts.values())
            .collect();
        all.sort_by(|a, b| (a.date_added, &a.id).cmp(&(b.date_added, &b.id)));
        all.into_iter().map(Contact::admin_json).collect()
    }

    /// The whole state of the locations (one, or all by id): each contact as the admin dump
    /// shows it, with its notes and tasks (oldest first, then by id) and appointments (by start,
    /// then id). Stable, so tests can compare a location before and after a run.
    pub(crate) fn snapshot(&self, location: Option<&str>) -> Value {
        let mut locs: Vec<&Location> = self
            .locations
            .values()
            .filter(|l| location.is_none_or(|id| l.id == id))
            .collect();
        locs.sort_by(|a, b| a.id.cmp(&b.id));
        let locations: Vec<Value> = locs
            .into_iter()
            .map(|l| {
                let mut contacts: Vec<&Contact> = l.contacts.values().collect();
                contacts.sort_by(|a, b| (a.date_added, &a.id).cmp(&(b.date_added, &b.id)));
                let contacts: Vec<Value> = contacts
                    .into_iter()
                    .map(|c| {
                        let mut notes: Vec<&Note> = l.notes.get(&c.id).into_iter().flatten().collect();
                        notes.sort_by(|a, b| (a.date_added, &a.id).cmp(&(b.date_added, &b.id)));
                        let mut tasks: Vec<&Task> = l.tasks.get(&c.id).into_iter().flatten().collect();
                        tasks.sort_by(|a, b| (a.date_added, &a.id).cmp(&(b.date_added, &b.id)));
                        json!({
                            "contact": c.admin_json(),
                            "notes": notes.into_iter().map(Note::admin_json).collect::<Vec<_>>(),
                            "tasks": tasks.into_iter().map(Task::admin_json).collect::<Vec<_>>(),
                            "appointments": l.appointments_of(&c.id).into_iter().map(Appointment::json).collect::<Vec<_>>(),
                        })
                    })
                    .collect();
                json!({"id": l.id, "contacts": contacts})
            })
            .collect();
        json!({ "locations": locations })
    }

    /// Number of stored contacts.
    pub(crate) fn contact_count(&self) -> usize {
        self.locations.values().map(|l| l.contacts.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(id: &str, email: &str, phone: &str, added: i64) -> Contact {
        Contact {
            id: id.into(),
            email: Some(email.into()),
            phone: Some(phone.into()),
            date_added: added,
            ..Contact::default()
        }
    }

    #[test]
    fn indexes_follow_updates_and_deletes() {
        let mut loc = Location::new(&LocationConfig::new("L"));
        loc.insert(contact("a", "A@x.io", "+15550001", 1));
        loc.insert(contact("b", "b@x.io", "+15550002", 2));
        assert_eq!(
            loc.find_by(MatchField::Email, "a@X.io", None)
                .map(|c| c.id.as_str()),
            Some("a")
        );
        assert!(loc.update("a", |c| c.email = Some("new@x.io".into())));
        assert!(loc.find_by(MatchField::Email, "a@x.io", None).is_none());
        assert_eq!(
            loc.find_match(Some("zzz@x.io"), Some("+15550002"), None)
                .map(|(c, f)| (c.id.as_str(), f)),
            Some(("b", MatchField::Phone))
        );
        loc.remove("b");
        assert!(loc.find_by(MatchField::Phone, "+15550002", None).is_none());
        assert!(loc.deleted.contains("b"));
    }

    #[test]
    fn ids_are_20_alphanumerics_and_seeded() {
        let mut a = Store::new(7);
        let mut b = Store::new(7);
        let id = a.new_id();
        assert_eq!(id.len(), 20);
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(id, b.new_id());
    }
}
