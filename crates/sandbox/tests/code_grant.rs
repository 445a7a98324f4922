//! The authorization-code grant end to end: the sandbox's own `GET /oauth/chooselocation`
//! redirects at once with a code, which `POST /oauth/token` exchanges for a location or an
//! agency token (issue 16 item 4). Token requests and answers are checked against oauth.json.

use crate::agency::{installed_locations, two_locations, SECOND};
use crate::util::oauth::Check;
use crate::util::{start, unlimited};
use ghl_sandbox::{
    DEFAULT_APP_ID, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_COMPANY_ID,
    DEFAULT_LOCATION_ID,
};
use serde_json::json;

#[tokio::test]
async fn the_code_grant_runs_end_to_end_through_chooselocation() {
    let (_h, api) = start(two_locations(unlimited())).await;
    let browser = api.without_redirects();
    let redirect_uri = "http://127.0.0.1:9/callback";
    let authorize = |extra: &str| {
        let browser = browser.clone();
        let extra = extra.to_string();
        async move {
            let q = serde_urlencoded::to_string([
                ("response_type", "code"),
                ("redirect_uri", redirect_uri),
                ("client_id", DEFAULT_CLIENT_ID),
                ("scope", "contacts.readonly contacts.write oauth.readonly"),
                ("state", "st4te"),
            ])
            .unwrap();
            let r = browser
                .client
                .get(format!("{}/oauth/chooselocation?{q}{extra}", browser.base))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 302);
            let to = r.headers()["location"].to_str().unwrap().to_string();
            let (back, query) = to.split_once('?').unwrap();
            assert_eq!(back, redirect_uri);
            let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
            assert_eq!(pairs[1], ("state".to_string(), "st4te".to_string()));
            pairs[0].1.clone()
        }
    };
    let exchange = |code: String, user_type: &'static str, uri: &'static str| {
        let api = api.clone();
        async move {
            let mut form = vec![
                ("client_id", DEFAULT_CLIENT_ID),
                ("client_secret", DEFAULT_CLIENT_SECRET),
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", uri),
            ];
            if !user_type.is_empty() {
                form.push(("user_type", user_type));
            }
            api.form("/oauth/token", &form, Check::Request).await
        }
    };

    // Location (the default user type): a token of the first location, and a refresh token.
    let code = authorize("").await;
    let r = exchange(code.clone(), "", redirect_uri).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (&r.body["userType"], &r.body["locationId"]),
        (&json!("Location"), &json!(DEFAULT_LOCATION_ID))
    );
    assert_eq!(
        r.body["scope"],
        "contacts.readonly contacts.write oauth.readonly"
    );
    let token = api.with_token(r.body["access_token"].as_str().unwrap());
    let (created, _) = token.upsert(json!({"email": "login@x.io"})).await;
    assert!(created);
    assert_eq!(
        exchange(code, "", redirect_uri).await.status,
        401,
        "a code works once"
    );

    // The sandbox-only `location_id` picks another sub-account.
    let code = authorize(&format!("&location_id={SECOND}")).await;
    let r = exchange(code, "Location", redirect_uri).await;
    assert_eq!(r.body["locationId"], SECOND);

    // Company: an agency token, with which installedLocations answers.
    let code = authorize("").await;
    let r = exchange(code, "Company", redirect_uri).await;
    assert_eq!(
        (r.status, &r.body["userType"]),
        (200, &json!("Company")),
        "{}",
        r.body
    );
    let company = api.with_token(r.body["access_token"].as_str().unwrap());
    let listed = installed_locations(
        &company,
        &[("companyId", DEFAULT_COMPANY_ID), ("appId", DEFAULT_APP_ID)],
        Check::Request,
    )
    .await;
    assert_eq!(listed.body["count"], 2, "{}", listed.body);
    let next = r.body["refresh_token"].as_str().unwrap();
    let refreshed = api
        .form(
            "/oauth/token",
            &[
                ("client_id", DEFAULT_CLIENT_ID),
                ("client_secret", DEFAULT_CLIENT_SECRET),
                ("grant_type", "refresh_token"),
                ("refresh_token", next),
                ("user_type", "Company"),
            ],
            Check::Request,
        )
        .await;
    assert_eq!(refreshed.body["userType"], "Company", "{}", refreshed.body);

    // Another redirect_uri than the code's is refused.
    let code = authorize("").await;
    let r = exchange(code, "", "http://127.0.0.1:9/elsewhere").await;
    assert_eq!(r.status, 400, "{}", r.body);

    // A bad authorization request gets no code.
    let r = browser
        .client
        .get(format!(
            "{}/oauth/chooselocation?response_type=code&client_id=nobody&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2F",
            browser.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
}
