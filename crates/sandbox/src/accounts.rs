//! Who and where: locations (duplicate settings, match order, country, custom fields, preloaded
//! contacts and appointments), bearer tokens (location or agency), OAuth clients and refresh
//! tokens, the agency that owns every location, and the secret wrapper that keeps them out of
//! `Debug` output.

use crate::config::{
    AGENCY_SCOPES, ALL_SCOPES, DEFAULT_AGENCY_CLIENT_ID, DEFAULT_AGENCY_CLIENT_SECRET,
    DEFAULT_AGENCY_REFRESH_TOKEN, DEFAULT_APP_ID, DEFAULT_COMPANY_ID,
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A string that is never shown by `Debug` (tokens and secrets).
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl Secret {
    /// The secret value itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

/// Which contact field identifies a duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchField {
    /// Case-insensitive email.
    Email,
    /// E.164 phone.
    Phone,
}

impl MatchField {
    /// The name used in `meta.matchingField`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchField::Email => "email",
            MatchField::Phone => "phone",
        }
    }
}

/// One location (sub-account).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LocationConfig {
    /// 20-character location id.
    pub id: String,
    /// Display name (`GET /oauth/installedLocations`); the id when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// "Allow Duplicate Contact" setting (default false).
    #[serde(default)]
    pub allow_duplicate_contact: bool,
    /// Deduplication preference: primary and optional secondary match field.
    #[serde(default = "default_match_order")]
    pub match_order: Vec<MatchField>,
    /// ISO alpha-2 country used to read phone numbers written without `+` (default US).
    #[serde(default = "default_country")]
    pub country: String,
    /// Custom field definitions (`GET /locations/{id}/customFields`).
    #[serde(default = "default_custom_fields")]
    pub custom_fields: Vec<CustomFieldDef>,
    /// Contacts to preload, in the create-DTO shape, optionally with `id`, `dateAdded`,
    /// `dateUpdated` (ISO) and `customFields[].value`.
    #[serde(default)]
    pub contacts: Vec<serde_json::Value>,
    /// Appointments to preload, in the `GetEventSchema` shape: `contactId` (a preloaded
    /// contact's `id`) and `startTime` (`YYYY-MM-DD HH:MM:SS` UTC, or ISO 8601) required; `id`,
    /// `endTime` (default start + 30 min), `title`, `calendarId`, `status` and the rest optional.
    #[serde(default)]
    pub appointments: Vec<serde_json::Value>,
}

impl LocationConfig {
    /// A location with the default settings: duplicates not allowed, match email then phone,
    /// country US, four sample custom fields.
    pub fn new(id: &str) -> Self {
        LocationConfig {
            id: id.to_string(),
            name: None,
            allow_duplicate_contact: false,
            match_order: default_match_order(),
            country: default_country(),
            custom_fields: default_custom_fields(),
            contacts: Vec::new(),
            appointments: Vec::new(),
        }
    }
}

fn default_match_order() -> Vec<MatchField> {
    vec![MatchField::Email, MatchField::Phone]
}

fn default_country() -> String {
    "US".into()
}

/// A custom field definition, in the shape `GET /locations/{id}/customFields` returns.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldDef {
    /// 20-character id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Key such as `contact.lead_score`.
    pub field_key: String,
    /// `TEXT`, `LARGE_TEXT`, `NUMERICAL`, `MONETORY`, `CHECKBOX`, `SINGLE_OPTIONS`,
    /// `MULTIPLE_OPTIONS`, `DATE`, `PHONE`, `RADIO`, `EMAIL`, `TEXTBOX_LIST`, `FILE_UPLOAD`.
    pub data_type: String,
    /// Options of picklist types.
    #[serde(default)]
    pub picklist_options: Vec<String>,
    /// Sort position.
    #[serde(default)]
    pub position: u32,
    /// `contact` or `opportunity`.
    #[serde(default = "default_model")]
    pub model: String,
    /// Placeholder text.
    #[serde(default)]
    pub placeholder: String,
}

fn default_model() -> String {
    "contact".into()
}

fn field(
    id: &str,
    name: &str,
    key: &str,
    data_type: &str,
    options: &[&str],
    pos: u32,
) -> CustomFieldDef {
    CustomFieldDef {
        id: id.into(),
        name: name.into(),
        field_key: key.into(),
        data_type: data_type.into(),
        picklist_options: options.iter().map(|s| s.to_string()).collect(),
        position: pos,
        model: default_model(),
        placeholder: String::new(),
    }
}

/// The four custom fields every default location has (fixed ids so tests can name them).
pub fn default_custom_fields() -> Vec<CustomFieldDef> {
    vec![
        field(
            "CfLeadScore000000001",
            "Lead Score",
            "contact.lead_score",
            "NUMERICAL",
            &[],
            0,
        ),
        field(
            "CfColour000000000002",
            "Favourite Colour",
            "contact.favourite_colour",
            "SINGLE_OPTIONS",
            &["Red", "Green", "Blue"],
            1,
        ),
        field(
            "CfInterests000000003",
            "Interests",
            "contact.interests",
            "MULTIPLE_OPTIONS",
            &["Golf", "Tennis", "Chess", "Cooking"],
            2,
        ),
        field(
            "CfMemo00000000000004",
            "Memo",
            "contact.memo",
            "TEXT",
            &[],
            3,
        ),
    ]
}

/// A bearer token: which location (or, for an agency token, which company) it opens and with
/// which scopes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenConfig {
    /// The bearer value.
    pub token: Secret,
    /// The location it is for (empty for an agency token).
    #[serde(default)]
    pub location_id: String,
    /// Set on an agency (`userType` Company) token: the company it speaks for. Such a token is
    /// refused on every location route, whatever its scopes, as HighLevel refuses it on
    /// `/contacts/*` (ghl-api.md §1.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
    /// Scopes granted.
    #[serde(default = "all_scopes")]
    pub scopes: Vec<String>,
    /// Expiry, epoch milliseconds (None = a PIT that never expires).
    #[serde(default)]
    pub expires_at_ms: Option<i64>,
}

impl TokenConfig {
    /// A never-expiring token with every scope of [`ALL_SCOPES`].
    pub fn new(token: &str, location_id: &str) -> Self {
        TokenConfig {
            token: Secret(token.into()),
            location_id: location_id.into(),
            company_id: None,
            scopes: all_scopes(),
            expires_at_ms: None,
        }
    }

    /// A never-expiring agency token of `company_id` with every scope of [`AGENCY_SCOPES`].
    pub fn company(token: &str, company_id: &str) -> Self {
        TokenConfig {
            token: Secret(token.into()),
            location_id: String::new(),
            company_id: Some(company_id.into()),
            scopes: agency_scopes(),
            expires_at_ms: None,
        }
    }

    /// The same token restricted to `scopes`.
    pub fn with_scopes(mut self, scopes: &[&str]) -> Self {
        self.scopes = scopes.iter().map(|s| s.to_string()).collect();
        self
    }
}

fn all_scopes() -> Vec<String> {
    ALL_SCOPES.iter().map(|s| s.to_string()).collect()
}

fn agency_scopes() -> Vec<String> {
    ALL_SCOPES
        .iter()
        .chain(AGENCY_SCOPES)
        .map(|s| s.to_string())
        .collect()
}

/// An OAuth client (marketplace app).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OAuthClientConfig {
    /// `client_id`.
    pub client_id: String,
    /// `client_secret`.
    pub client_secret: Secret,
}

/// A refresh token and the grant it stands for.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefreshTokenConfig {
    /// The refresh token value (single use: each refresh returns a new one).
    pub refresh_token: Secret,
    /// The client it was issued to.
    pub client_id: String,
    /// The location the minted access tokens open.
    pub location_id: String,
    /// Scopes of the minted access tokens.
    #[serde(default = "all_scopes")]
    pub scopes: Vec<String>,
}

/// The sandbox's one agency (company): every location belongs to it and has its app installed.
/// Its OAuth client and a refresh token of user type Company (what a scheduled job would hold)
/// are printed on the standalone sandbox's first line.
#[derive(Debug, Clone)]
pub struct AgencyConfig {
    /// 20-character company id.
    pub company_id: String,
    /// The marketplace app's id (`appId` of `GET /oauth/installedLocations`).
    pub app_id: String,
    /// The agency's OAuth client (also accepted for location grants, like any client).
    pub client: OAuthClientConfig,
    /// A refresh token of user type Company, single use like the others.
    pub refresh_token: Secret,
    /// Scopes of the company tokens it mints.
    pub scopes: Vec<String>,
}

impl AgencyConfig {
    /// The documented default agency: [`DEFAULT_COMPANY_ID`], [`DEFAULT_APP_ID`], the client
    /// [`DEFAULT_AGENCY_CLIENT_ID`] / [`DEFAULT_AGENCY_CLIENT_SECRET`] and the refresh token
    /// [`DEFAULT_AGENCY_REFRESH_TOKEN`], with every contacts scope and [`AGENCY_SCOPES`].
    pub fn sandbox() -> Self {
        AgencyConfig {
            company_id: DEFAULT_COMPANY_ID.into(),
            app_id: DEFAULT_APP_ID.into(),
            client: OAuthClientConfig {
                client_id: DEFAULT_AGENCY_CLIENT_ID.into(),
                client_secret: Secret(DEFAULT_AGENCY_CLIENT_SECRET.into()),
            },
            refresh_token: Secret(DEFAULT_AGENCY_REFRESH_TOKEN.into()),
            scopes: agency_scopes(),
        }
    }
}

/// A refresh token of user type Company, as the store keeps it (rotated on each use).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CompanyGrant {
    /// The client it was issued to.
    pub client_id: String,
    /// The company the minted tokens speak for.
    pub company_id: String,
    /// Scopes of the minted company tokens.
    pub scopes: Vec<String>,
}
