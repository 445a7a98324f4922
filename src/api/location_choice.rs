//! Which locations a command over many locations (`import --locations`, `export --locations`)
//! works on: the user's choice (`all`, ids separated by commas, or `import --location-column`)
//! and its resolution against the agency's installed locations. Shared by the commands so that neither imports the other.

use super::agency::Agency;
use super::{AuthError, ClientConfig, Credentials};

/// Which locations `--locations` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Every location the agency's app is installed in.
    All,
    /// These ids, in this order, each once.
    Ids(Vec<String>),
    /// Each row into the location its cell in this column names (`import --location-column`):
    /// the locations the agency's app is installed in that the file names.
    Column(String),
}

/// Why the locations could not be chosen.
#[derive(Debug, thiserror::Error)]
pub enum ChoiceError {
    /// The list, or what HighLevel answered for it, is unusable.
    #[error("{0}")]
    Locations(String),
    /// The agency's listing failed.
    #[error("cannot list the agency's locations: {0}")]
    Listing(#[from] AuthError),
    /// The agency client could not be built.
    #[error("cannot start: {0}")]
    Start(String),
}

impl Choice {
    /// `all`, or ids separated by commas (blanks and repeats dropped).
    pub fn parse(text: &str) -> Result<Choice, ChoiceError> {
        if text.trim().eq_ignore_ascii_case("all") {
            return Ok(Choice::All);
        }
        let mut ids: Vec<String> = Vec::new();
        for id in text.split(',').map(str::trim).filter(|id| !id.is_empty()) {
            if !usable_id(id) {
                return Err(ChoiceError::Locations(format!(
                    "{id:?} is not a location id (letters, digits, '-' and '_' only)"
                )));
            }
            if !ids.iter().any(|known| known == id) {
                ids.push(id.to_string());
            }
        }
        if ids.is_empty() {
            return Err(ChoiceError::Locations(
                "--locations names no location: give ids separated by commas, or `all`".into(),
            ));
        }
        Ok(Choice::Ids(ids))
    }
}

/// A location id names a folder or a file: only characters that cannot leave it (no `/`, no
/// `..`).
pub fn usable_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The ids to work on: `all` is the agency's listing (sorted); explicit ids are checked
/// against it when the credentials can list (an agency token). A static token or a location's
/// own refresh token serves one location only, so it is accepted for one id and refused for
/// more.
pub async fn resolve(client: &ClientConfig, choice: &Choice) -> Result<Vec<String>, ChoiceError> {
    let oauth = match &client.credentials {
        Credentials::OAuth(oauth) => Some(oauth.clone()),
        Credentials::Token(_) => None,
    };
    let listed = match oauth {
        None => None,
        Some(oauth) => {
            let agency = Agency::new(client.base_url.clone(), oauth, client.timeout)
                .map_err(|e| ChoiceError::Start(e.to_string()))?;
            match agency.installed_locations(None).await {
                Ok(list) => Some(list),
                // A location's refresh token: it serves one location, as a static token does.
                Err(AuthError::NotAgency) => None,
                Err(other) => return Err(other.into()),
            }
        }
    };
    match (choice, listed) {
        (Choice::All, Some(list)) => {
            let mut ids: Vec<String> = list.into_iter().map(|l| l.id).collect();
            ids.sort();
            ids.dedup();
            if ids.is_empty() {
                return Err(ChoiceError::Locations(
                    "the agency's app is installed in no location".into(),
                ));
            }
            if let Some(bad) = ids.iter().find(|id| !usable_id(id)) {
                return Err(ChoiceError::Locations(format!(
                    "HighLevel listed a location id that cannot name a folder: {bad:?}"
                )));
            }
            Ok(ids)
        }
        (Choice::Column(_), Some(list)) => {
            let ids: Vec<String> = list.into_iter().map(|l| l.id).collect();
            if ids.is_empty() {
                return Err(ChoiceError::Locations(
                    "the agency's app is installed in no location".into(),
                ));
            }
            // A listed id that cannot name a folder is left out: a row naming it is then
            // rejected (`location_unknown`) like any id the run cannot import into.
            Ok(ids.into_iter().filter(|id| usable_id(id)).collect())
        }
        // The safer reading: a location's token cannot tell which other ids exist (nor send
        // to them), and trusting the cells would send rows where it was never checked that
        // they may go. Refused before the file is read.
        (Choice::Column(_), None) => Err(ChoiceError::Locations(
            "--location-column needs an agency (company) token, which lists the locations \
             the rows may name: log in with the agency's app (GHL_CLIENT_ID, \
             GHL_CLIENT_SECRET and a company refresh token); nothing was sent"
                .into(),
        )),
        (Choice::All, None) => Err(ChoiceError::Locations(
            "--locations all needs an agency (company) token: log in with the agency's app \
             (GHL_CLIENT_ID, GHL_CLIENT_SECRET and a company refresh token)"
                .into(),
        )),
        (Choice::Ids(ids), Some(list)) => {
            let unknown: Vec<&str> = ids
                .iter()
                .filter(|id| !list.iter().any(|l| &l.id == *id))
                .map(String::as_str)
                .collect();
            if unknown.is_empty() {
                Ok(ids.clone())
            } else {
                Err(ChoiceError::Locations(format!(
                    "unknown location id(s): {}; the agency's app is installed in: {} \
                     (nothing was sent)",
                    unknown.join(", "),
                    list.iter()
                        .map(|l| l.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )))
            }
        }
        (Choice::Ids(ids), None) if ids.len() == 1 => Ok(ids.clone()),
        (Choice::Ids(_), None) => Err(ChoiceError::Locations(
            "a location's token serves that location only: for several locations, use the \
             agency's app (GHL_CLIENT_ID, GHL_CLIENT_SECRET and a company refresh token)"
                .into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_as_all_or_distinct_ids_and_refuse_paths() {
        assert_eq!(Choice::parse(" ALL ").unwrap(), Choice::All);
        assert_eq!(
            Choice::parse("a1, b2,,a1").unwrap(),
            Choice::Ids(vec!["a1".into(), "b2".into()])
        );
        assert!(Choice::parse(" , ").is_err());
        assert!(Choice::parse("../etc").is_err());
        assert!(Choice::parse("a/b").is_err());
    }
}
