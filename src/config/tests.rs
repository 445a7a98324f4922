//! Precedence: each layer against the others, for settings and for credentials.

use super::*;
use std::path::Path;

fn layer(location: &str, base_url: &str, client_id: &str) -> Layer {
    Layer {
        location: Some(location.into()),
        base_url: Some(base_url.into()),
        client_id: Some(client_id.into()),
        ..Layer::default()
    }
}

#[test]
fn settings_flag_over_file_over_env_over_default() {
    let file_path = Path::new("/w/ghl-bulk.toml");
    let flags = Layer {
        concurrency: Some(4),
        ..Layer::default()
    };
    let file = Layer {
        location: Some("from-file".into()),
        concurrency: Some(8),
        ..Layer::default()
    };
    let env = layer("from-env", "http://127.0.0.1:9", "env-app");
    let s = resolve(
        &flags,
        Some((file_path, &file)),
        &env,
        &EnvSecrets::default(),
    );
    assert_eq!(s.concurrency.value, Some(4));
    assert_eq!(s.concurrency.source, Source::Flag("--concurrency"));
    assert_eq!(s.location.value.as_deref(), Some("from-file"));
    assert_eq!(s.location.source, Source::File(file_path.to_path_buf()));
    assert_eq!(s.base_url.value.as_deref(), Some("http://127.0.0.1:9"));
    assert_eq!(s.base_url.source, Source::Env("GHL_BASE_URL"));
    assert_eq!(
        s.daily_reserve.value.as_deref(),
        Some(DEFAULT_DAILY_RESERVE)
    );
    assert_eq!(s.daily_reserve.source, Source::Default);
    assert_eq!(s.state.value, None);

    let none = resolve(
        &Layer::default(),
        None,
        &Layer::default(),
        &EnvSecrets::default(),
    );
    assert_eq!(
        none.base_url.value.as_deref(),
        Some(crate::api::DEFAULT_BASE_URL)
    );
    assert_eq!(none.timeout.value, Some(DEFAULT_TIMEOUT_SECS));
    assert_eq!(none.location.value, None);
    assert_eq!(none.file, None);
}

#[test]
fn credentials_flag_over_env_over_file() {
    let file_path = Path::new("/w/ghl-bulk.toml");
    let file = Layer {
        token_file: Some("/w/token".into()),
        client_id: Some("file-app".into()),
        refresh_token_file: Some("/w/rt".into()),
        ..Layer::default()
    };
    let env = Layer {
        client_id: Some("env-app".into()),
        ..Layer::default()
    };
    let secrets = EnvSecrets {
        token: Some(Secret::new("pit-env")),
        client_secret: Some(Secret::new("shh")),
    };
    let s = resolve(&Layer::default(), Some((file_path, &file)), &env, &secrets);
    assert_eq!(s.token.value, Some(Token::Value(Secret::new("pit-env"))));
    assert_eq!(s.token.source, Source::Env("GHL_TOKEN"));
    assert_eq!(s.client_id.value.as_deref(), Some("env-app"));
    assert_eq!(s.refresh_token_file.value, Some("/w/rt".into()));
    assert_eq!(s.client_secret.source, Source::Env("GHL_CLIENT_SECRET"));

    // Without GHL_TOKEN the file's token_file is used; a --token-file flag beats both.
    let s = resolve(
        &Layer::default(),
        Some((file_path, &file)),
        &env,
        &EnvSecrets::default(),
    );
    assert_eq!(s.token.value, Some(Token::File("/w/token".into())));
    let flags = Layer {
        token_file: Some("/run/creds/token".into()),
        ..Layer::default()
    };
    let s = resolve(&flags, Some((file_path, &file)), &env, &secrets);
    assert_eq!(s.token.value, Some(Token::File("/run/creds/token".into())));
    assert_eq!(s.token.source, Source::Flag("--token-file"));
}

#[test]
fn show_masks_secrets_whole_and_names_sources() {
    let secrets = EnvSecrets {
        token: Some(Secret::new("pit-1234-abcd")),
        client_secret: Some(Secret::new("client-secret-value")),
    };
    let env = layer("loc-env", "https://example.test", "app");
    let s = resolve(&Layer::default(), None, &env, &secrets);
    let text = render(
        &s,
        &ShowNotes {
            searched: vec!["./ghl-bulk.toml".into()],
            ..ShowNotes::default()
        },
    );
    for secret in [
        "pit-1234-abcd",
        "abcd",
        "1234",
        "client-secret-value",
        "alue",
    ] {
        assert!(!text.contains(secret), "{secret} leaked:\n{text}");
    }
    assert!(text.contains("token              = *** (set)"), "{text}");
    assert!(text.contains("# env GHL_TOKEN"), "{text}");
    assert!(text.contains("location           = \"loc-env\""), "{text}");
    assert!(
        text.contains("none found (looked for ./ghl-bulk.toml)"),
        "{text}"
    );
    assert!(text.contains("refresh_token_file = (not set)"), "{text}");
    assert!(
        text.contains("Precedence: command-line flag > config file > environment"),
        "{text}"
    );
}
