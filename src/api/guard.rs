//! What the client refuses to take from a server: a redirect (never followed), an answer larger
//! than its cap (read in chunks and dropped past it, whatever `Content-Length` claims), and a
//! TLS failure (named, never retried). Shared by the API calls and the OAuth token request.

/// The cap on a one-contact (or one-note, one-batch) answer. HighLevel's largest single-contact
/// answer is a contact with its custom fields: tens of KB. 2 MiB leaves a margin of ~50×, and
/// keeps the worst case of a whole pool of hostile answers (32 in flight) around 64 MB.
pub const ONE_ANSWER_CAP: usize = 2 << 20;

/// The cap on a list answer: a search page of 500 contacts with custom fields is a few MB, a
/// location's custom fields or a contact's notes less. 32 MiB leaves a margin of ~10×; lists
/// are read one or a few at a time, so memory stays bounded.
pub const LIST_ANSWER_CAP: usize = 32 << 20;

/// The cap for an endpoint's answers (by the stable label of [`super::client`]'s calls).
pub fn body_cap(endpoint: &str) -> usize {
    let list = endpoint == "POST /contacts/search"
        || (endpoint.starts_with("GET ") && !endpoint.ends_with("{id}"));
    if list {
        LIST_ANSWER_CAP
    } else {
        ONE_ANSWER_CAP
    }
}

/// Why an answer was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Any 3xx: HighLevel never redirects, and following one could carry the token (or the
    /// OAuth secret) to another host.
    #[error(
        "the server answered HTTP {status} (a redirect to {target}); redirects are never \
         followed: check the base URL"
    )]
    Redirect { status: u16, target: String },
    /// The body went past its cap.
    #[error("the answer is larger than {cap_mib} MiB{announced}; no HighLevel answer is that large: check the base URL")]
    TooLarge { cap_mib: usize, announced: String },
    /// The TLS handshake failed: a certificate or protocol problem that a retry cannot fix.
    #[error("TLS failure: {0}; check the base URL and the system's clock and certificates")]
    Tls(String),
}

/// A redirect is refused before its body is read; the target's host (not the whole URL: it may
/// hold a query) is named so that the operator can see where the server wanted to send us.
pub fn refuse_redirect(response: &reqwest::Response) -> Option<Refusal> {
    let status = response.status();
    if !status.is_redirection() {
        return None;
    }
    let target = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .map(|location| match response.url().join(location) {
            Ok(url) => match url.port() {
                Some(port) => format!("{}:{port}", url.host_str().unwrap_or("?")),
                None => url.host_str().unwrap_or("?").to_string(),
            },
            Err(_) => "an unreadable location".to_string(),
        })
        .unwrap_or_else(|| "no location".to_string());
    Some(Refusal::Redirect {
        status: status.as_u16(),
        target,
    })
}

/// Reads a body chunk by chunk, and stops as soon as it would pass `cap` (a `Content-Length`
/// over the cap is refused before anything is read; one under it is not trusted either).
pub async fn read_capped(
    mut response: reqwest::Response,
    cap: usize,
) -> Result<Result<Vec<u8>, Refusal>, reqwest::Error> {
    let too_large = |announced: String| Refusal::TooLarge {
        cap_mib: cap >> 20,
        announced,
    };
    let announced = response.content_length();
    if let Some(length) = announced.filter(|length| *length > cap as u64) {
        return Ok(Err(too_large(format!(" (it announced {length} bytes)"))));
    }
    let mut body = Vec::with_capacity(announced.map_or(0, |length| length as usize));
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > cap {
            return Ok(Err(too_large(String::new())));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Ok(body))
}

/// Makes `ring` the process's TLS crypto provider, once (reqwest is built without a provider
/// of its own, see Cargo.toml). A provider installed before is kept: the call can only fail
/// that way, and then TLS still has one.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A reqwest client builder, the provider installed first: a client built without one panics.
/// clippy.toml refuses `reqwest::Client::new` and `::builder` everywhere else.
#[allow(clippy::disallowed_methods)]
pub fn http_client_builder() -> reqwest::ClientBuilder {
    install_tls_provider();
    reqwest::Client::builder()
}

/// The TLS failure behind a transport error, named: an expired certificate, an unknown issuer,
/// a certificate for another host. `None` for every other transport error.
pub fn tls_failure(error: &reqwest::Error) -> Option<Refusal> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(Refusal::Tls(describe(tls)));
        }
        // `io::Error::source` skips the error it wraps (the handshake's rustls error sits
        // inside two of them): step into it instead.
        source = match current
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner),
            None => current.source(),
        };
    }
    None
}

fn describe(error: &rustls::Error) -> String {
    use rustls::CertificateError as Cert;
    match error {
        rustls::Error::InvalidCertificate(cert) => match cert {
            Cert::Expired | Cert::ExpiredContext { .. } => "the server's certificate has expired",
            Cert::NotValidYet | Cert::NotValidYetContext { .. } => {
                "the server's certificate is not valid yet"
            }
            Cert::UnknownIssuer => {
                "the server's certificate is signed by an unknown issuer (self-signed or a \
                 private authority)"
            }
            Cert::NotValidForName | Cert::NotValidForNameContext { .. } => {
                "the server's certificate is for another host name"
            }
            Cert::Revoked => "the server's certificate is revoked",
            _ => return format!("the server's certificate was refused ({cert:?})"),
        }
        .to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_get_the_larger_cap() {
        assert_eq!(body_cap("POST /contacts/search"), LIST_ANSWER_CAP);
        assert_eq!(body_cap("GET /contacts/{id}/notes"), LIST_ANSWER_CAP);
        assert_eq!(
            body_cap("GET /locations/{id}/customFields"),
            LIST_ANSWER_CAP
        );
        assert_eq!(body_cap("GET /contacts/{id}"), ONE_ANSWER_CAP);
        assert_eq!(body_cap("POST /contacts/upsert"), ONE_ANSWER_CAP);
        assert_eq!(
            body_cap("POST /contacts/bulk/tags/update/add"),
            ONE_ANSWER_CAP
        );
    }
}
