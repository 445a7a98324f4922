//! `ghl-bulk locations`: the locations an agency's app is installed in, by id and name, from
//! the agency (company) token.

use std::time::Duration;

use crate::api::agency::Agency;
use crate::api::{AuthError, BaseUrl, InstalledLocation, OAuthConfig};

/// What `locations` needs.
#[derive(Debug, Clone)]
pub struct LocationsConfig {
    pub base_url: BaseUrl,
    pub oauth: OAuthConfig,
    /// The app id (default: from the client id).
    pub app_id: Option<String>,
    pub timeout: Duration,
}

/// Why the list could not be had.
#[derive(Debug, thiserror::Error)]
pub enum LocationsError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("cannot start: {0}")]
    Start(String),
}

/// Lists the installed locations, sorted by name then id.
pub fn list(config: &LocationsConfig) -> Result<Vec<InstalledLocation>, LocationsError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| LocationsError::Start(format!("the runtime: {e}")))?;
    let agency = Agency::new(
        config.base_url.clone(),
        config.oauth.clone(),
        config.timeout,
    )
    .map_err(|e| LocationsError::Start(e.to_string()))?;
    let mut locations = runtime.block_on(agency.installed_locations(config.app_id.as_deref()))?;
    locations.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    Ok(locations)
}

/// One line per location: the id, padded to the longest, then the name.
pub fn render_text(locations: &[InstalledLocation]) -> String {
    let width = locations.iter().map(|l| l.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for location in locations {
        let name = printable(&location.name);
        out.push_str(&format!("{:width$}  {name}\n", location.id));
    }
    out
}

/// A name as a terminal shows it: a name is the account holder's text, and a control
/// character in it (an escape sequence) must not drive the operator's terminal.
fn printable(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// A JSON array of `{id, name}`.
pub fn render_json(locations: &[InstalledLocation]) -> String {
    let items: Vec<serde_json::Value> = locations
        .iter()
        .map(|l| serde_json::json!({"id": l.id, "name": l.name}))
        .collect();
    format!(
        "{}\n",
        serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(id: &str, name: &str) -> InstalledLocation {
        InstalledLocation {
            id: id.into(),
            name: name.into(),
        }
    }

    #[test]
    fn text_aligns_the_names_and_json_keeps_them_as_they_are() {
        let list = [location("L1", "Acme"), location("Loc22", "Bee\u{1b}[2J")];
        let text = render_text(&list);
        assert_eq!(text.lines().next(), Some("L1     Acme"));
        assert!(!text.contains('\u{1b}'), "terminal escapes are not printed");
        let json: serde_json::Value = serde_json::from_str(&render_json(&list)).unwrap();
        assert_eq!(json[1]["id"], "Loc22");
        assert_eq!(json[1]["name"], "Bee\u{1b}[2J");
    }
}
