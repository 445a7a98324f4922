//! Which locations a run over many goes to: `--locations all` is the agency's listing,
//! explicit ids are checked against it, and `--location-column` may name any listed location.
//! Asked before the file is staged: a wrong id stops the run before anything is made or sent.

use super::{usable_id, Choice, MultiError};
use crate::api::agency::Agency;
use crate::api::{AuthError, ClientConfig, Credentials};

/// The ids to deliver to: `all` is the agency's listing; explicit ids are checked against it
/// when the credentials can list (an agency token). A static token or a location's own
/// refresh token serves one location only, so it is accepted for one id and refused for more.
pub(super) async fn resolve(
    client: &ClientConfig,
    choice: &Choice,
) -> Result<Vec<String>, MultiError> {
    let oauth = match &client.credentials {
        Credentials::OAuth(oauth) => Some(oauth.clone()),
        Credentials::Token(_) => None,
    };
    let listed = match oauth {
        None => None,
        Some(oauth) => {
            let agency = Agency::new(client.base_url.clone(), oauth, client.timeout)
                .map_err(|e| MultiError::Start(e.to_string()))?;
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
                return Err(MultiError::Locations(
                    "the agency's app is installed in no location".into(),
                ));
            }
            if let Some(bad) = ids.iter().find(|id| !usable_id(id)) {
                return Err(MultiError::Locations(format!(
                    "HighLevel listed a location id that cannot name a folder: {bad:?}"
                )));
            }
            Ok(ids)
        }
        (Choice::Column(_), Some(list)) => {
            let ids: Vec<String> = list.into_iter().map(|l| l.id).collect();
            if ids.is_empty() {
                return Err(MultiError::Locations(
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
        (Choice::Column(_), None) => Err(MultiError::Locations(
            "--location-column needs an agency (company) token, which lists the locations \
             the rows may name: log in with the agency's app (GHL_CLIENT_ID, \
             GHL_CLIENT_SECRET and a company refresh token); nothing was sent"
                .into(),
        )),
        (Choice::All, None) => Err(MultiError::Locations(
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
                Err(MultiError::Locations(format!(
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
        (Choice::Ids(_), None) => Err(MultiError::Locations(
            "a location's token serves that location only: for several locations, use the \
             agency's app (GHL_CLIENT_ID, GHL_CLIENT_SECRET and a company refresh token)"
                .into(),
        )),
    }
}
