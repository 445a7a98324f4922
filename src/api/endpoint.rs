//! The API's base URL, checked: `https://` anywhere, plain `http://` only to loopback.

use reqwest::Url;
use std::net::IpAddr;

/// The base URL of the real API.
pub const DEFAULT_BASE_URL: &str = "https://services.leadconnectorhq.com";

/// Why a base URL was refused.
#[derive(Debug, thiserror::Error)]
pub enum BaseUrlError {
    /// Not a URL at all.
    #[error("'{url}' is not a valid URL: {source}")]
    Invalid {
        url: String,
        #[source]
        source: url::ParseError,
    },
    /// A scheme other than http(s).
    #[error("'{url}' must start with https:// (or http:// to a loopback address)")]
    Scheme { url: String },
    /// Plain http to a host that is not loopback would send the token in clear text.
    #[error(
        "refusing plain http:// to '{host}': the token would cross the network unencrypted; \
         use https://, or http:// only to 127.0.0.1, [::1] or localhost"
    )]
    InsecureHost { host: String },
}

/// A validated base URL; paths are joined onto it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(Url);

impl BaseUrl {
    /// Parses and checks a base URL.
    pub fn parse(text: &str) -> Result<Self, BaseUrlError> {
        let mut url = Url::parse(text.trim()).map_err(|source| BaseUrlError::Invalid {
            url: text.to_string(),
            source,
        })?;
        match url.scheme() {
            "https" => {}
            "http" => {
                let host = url.host_str().unwrap_or_default().to_string();
                if !is_loopback(&host) {
                    return Err(BaseUrlError::InsecureHost { host });
                }
            }
            _ => {
                return Err(BaseUrlError::Scheme {
                    url: text.to_string(),
                })
            }
        }
        // Joining "contacts/upsert" onto "https://h/v2" must give "https://h/v2/contacts/upsert".
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(BaseUrl(url))
    }

    /// The URL of an API path such as `/contacts/upsert`.
    pub fn join(&self, path: &str) -> Url {
        let mut url = self.0.clone();
        let joined = format!("{}{}", self.0.path(), path.trim_start_matches('/'));
        url.set_path(&joined);
        url
    }

    /// Whether it points at this machine (a sandbox, never HighLevel).
    pub fn is_loopback(&self) -> bool {
        self.0.host_str().is_some_and(is_loopback)
    }

    /// The base URL as text (it holds no secret).
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_only_to_loopback() {
        assert!(BaseUrl::parse(DEFAULT_BASE_URL).is_ok());
        assert!(BaseUrl::parse("http://127.0.0.1:8080").is_ok());
        assert!(BaseUrl::parse("http://127.8.0.3:1").is_ok());
        assert!(BaseUrl::parse("http://[::1]:9000/").is_ok());
        assert!(BaseUrl::parse("http://localhost:3000").is_ok());
        assert!(matches!(
            BaseUrl::parse("http://services.leadconnectorhq.com"),
            Err(BaseUrlError::InsecureHost { .. })
        ));
        assert!(matches!(
            BaseUrl::parse("http://10.0.0.1"),
            Err(BaseUrlError::InsecureHost { .. })
        ));
        assert!(matches!(
            BaseUrl::parse("ftp://127.0.0.1"),
            Err(BaseUrlError::Scheme { .. })
        ));
        assert!(BaseUrl::parse("not a url").is_err());
    }

    #[test]
    fn joins_paths_under_a_prefix() {
        let base = BaseUrl::parse("https://example.test/v2").unwrap();
        assert_eq!(
            base.join("/contacts/upsert").as_str(),
            "https://example.test/v2/contacts/upsert"
        );
        let root = BaseUrl::parse("http://127.0.0.1:9/").unwrap();
        assert_eq!(
            root.join("contacts/").as_str(),
            "http://127.0.0.1:9/contacts/"
        );
    }
}
