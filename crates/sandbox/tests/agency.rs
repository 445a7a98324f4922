//! Agencies and many locations (issue 16 item 4): company tokens and what they may do, location
//! tokens minted from them, the installed-locations list, the authorization-code grant through
//! the sandbox's own `chooselocation`, and locations that share nothing (data, limits, tokens).
//! Every OAuth request is checked against oauth.json before it goes, every answer after.

use crate::util::oauth::Check;
use crate::util::{persistent, start, unlimited, Api, Reply};
use ghl_sandbox::{
    Config, LocationConfig, TokenConfig, DEFAULT_AGENCY_CLIENT_ID, DEFAULT_AGENCY_CLIENT_SECRET,
    DEFAULT_AGENCY_REFRESH_TOKEN, DEFAULT_APP_ID, DEFAULT_COMPANY_ID, DEFAULT_LOCATION_ID,
};
use serde_json::json;

pub const SECOND: &str = "SandboxLocation00002";
pub const SECOND_TOKEN: &str = "pit-sandbox-second-location";
const SCOPE_401: &str = "The token is not authorized for this scope.";

/// `cfg` with a second location ("Second Shop") and its token.
pub fn two_locations(mut cfg: Config) -> Config {
    let mut second = LocationConfig::new(SECOND);
    second.name = Some("Second Shop".into());
    cfg.locations.push(second);
    cfg.tokens.push(TokenConfig::new(SECOND_TOKEN, SECOND));
    cfg
}

/// Refreshes `refresh` as the agency client; the answer, checked.
async fn refresh_company(api: &Api, refresh: &str, user_type: &str) -> crate::util::Reply {
    api.form(
        "/oauth/token",
        &[
            ("client_id", DEFAULT_AGENCY_CLIENT_ID),
            ("client_secret", DEFAULT_AGENCY_CLIENT_SECRET),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh),
            ("user_type", user_type),
        ],
        Check::Request,
    )
    .await
}

/// `POST /oauth/locationToken` minting a token for `location` of `company`, the form checked.
async fn location_token(api: &Api, company: &str, location: &str) -> crate::util::Reply {
    let form = [("companyId", company), ("locationId", location)];
    api.form("/oauth/locationToken", &form, Check::Request)
        .await
}

/// `GET /oauth/installedLocations` with `query`, checked against the spec unless `check` says
/// the query is meant to break it.
pub(crate) async fn installed_locations(api: &Api, query: &[(&str, &str)], check: Check) -> Reply {
    api.get_query("/oauth/installedLocations", query, check)
        .await
}

/// A client holding a fresh company token (from the agency's refresh token).
async fn agency(api: &Api) -> Api {
    let r = refresh_company(api, DEFAULT_AGENCY_REFRESH_TOKEN, "Company").await;
    assert_eq!(r.status, 200, "{}", r.body);
    api.with_token(r.body["access_token"].as_str().expect("access_token"))
}

/// Drives every status oauth.json documents for `POST /oauth/locationToken` and
/// `GET /oauth/installedLocations`. The conformance test calls it, so its coverage counts them.
pub async fn every_documented_agency_status(api: &Api) {
    let company = agency(api).await;
    let r = location_token(&company, DEFAULT_COMPANY_ID, DEFAULT_LOCATION_ID).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = location_token(&company, DEFAULT_COMPANY_ID, "NoSuchLocation000000").await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = company
        .form(
            "/oauth/locationToken",
            &[("companyId", DEFAULT_COMPANY_ID)],
            Check::Skip,
        )
        .await;
    assert_eq!(
        (r.status, &r.body["message"][0]),
        (422, &json!("locationId should not be empty"))
    );
    let r = location_token(api, DEFAULT_COMPANY_ID, DEFAULT_LOCATION_ID).await;
    assert_eq!(
        (r.status, &r.body["message"]),
        (401, &json!(SCOPE_401)),
        "a location token"
    );

    let list = [("companyId", DEFAULT_COMPANY_ID), ("appId", DEFAULT_APP_ID)];
    let r = installed_locations(&company, &list, Check::Request).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = installed_locations(
        &company,
        &[
            ("companyId", DEFAULT_COMPANY_ID),
            ("appId", "000000000000000000000000"),
        ],
        Check::Request,
    )
    .await;
    assert_eq!(r.status, 400, "another app: {}", r.body);
    let r = installed_locations(&company, &[("companyId", DEFAULT_COMPANY_ID)], Check::Skip).await;
    assert_eq!(
        (r.status, &r.body["message"][0]),
        (422, &json!("appId should not be empty"))
    );
    let r = installed_locations(api, &list, Check::Request).await;
    assert_eq!(
        (r.status, &r.body["message"]),
        (401, &json!(SCOPE_401)),
        "a location token"
    );
}

#[tokio::test]
async fn company_tokens_are_refused_on_location_routes_whatever_their_scopes() {
    let (_h, api) = start(unlimited()).await;
    let company = agency(&api).await;
    let search = json!({"locationId": DEFAULT_LOCATION_ID, "pageLimit": 10});
    for (method, path, body) in [
        ("POST", "/contacts/search".to_string(), Some(search)),
        ("GET", "/contacts/AAAAAAAAAAAAAAAAAAAA".to_string(), None),
        (
            "GET",
            format!("/locations/{DEFAULT_LOCATION_ID}/customFields"),
            None,
        ),
    ] {
        let r = company.call(method, &path, body).await;
        assert_eq!(
            (r.status, &r.body["message"]),
            (401, &json!(SCOPE_401)),
            "{method} {path}"
        );
    }
    // The token itself is good, and has every contacts scope: it is its kind that is refused.
    let r = installed_locations(
        &company,
        &[("companyId", DEFAULT_COMPANY_ID), ("appId", DEFAULT_APP_ID)],
        Check::Request,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn agency_refresh_tokens_rotate_and_keep_their_user_type() {
    let (_h, api) = start(unlimited()).await;
    let r = refresh_company(&api, DEFAULT_AGENCY_REFRESH_TOKEN, "Company").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["userType"], "Company");
    assert_eq!(r.body["companyId"], DEFAULT_COMPANY_ID);
    assert_eq!(r.body["approvedLocations"], json!([DEFAULT_LOCATION_ID]));
    assert!(
        r.body.get("locationId").is_none(),
        "only location tokens name one"
    );
    assert!(r.body["scope"].as_str().unwrap().contains("oauth.write"));
    let next = r.body["refresh_token"].as_str().unwrap().to_string();
    let again = refresh_company(&api, DEFAULT_AGENCY_REFRESH_TOKEN, "Company").await;
    assert_eq!(again.status, 401, "a refresh token works once");
    let wrong = refresh_company(&api, &next, "Location").await;
    assert_eq!(
        (wrong.status, &wrong.body["message"]),
        (
            400,
            &json!("This refresh token was issued for user type Company")
        )
    );
    let r = refresh_company(&api, &next, "Company").await;
    assert_eq!(
        r.status, 200,
        "refused for the user type, so not used up: {}",
        r.body
    );
}

#[tokio::test]
async fn a_minted_location_token_opens_its_own_location_only() {
    let (h, api) = start(two_locations(unlimited())).await;
    let company = agency(&api).await;
    let r = location_token(&company, DEFAULT_COMPANY_ID, SECOND).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["locationId"], SECOND);
    assert_eq!(r.body["expires_in"], 86399);
    assert_eq!(r.body["appId"], DEFAULT_APP_ID);
    assert!(r.body.get("refresh_token").is_none(), "none: mint again");
    let second = api.with_token(r.body["access_token"].as_str().unwrap());
    let search = |loc: &str| json!({"locationId": loc, "pageLimit": 10});
    assert_eq!(
        second.post("/contacts/search", search(SECOND)).await.status,
        200
    );
    let other = second
        .post("/contacts/search", search(DEFAULT_LOCATION_ID))
        .await;
    assert_eq!(other.status, 403, "{}", other.body);
    let r = location_token(&company, "AnotherCompany000001", SECOND).await;
    assert_eq!(r.status, 400, "another agency's company: {}", r.body);
    // A token of another agency reaches none of this agency's locations, even naming its own.
    h.add_token(TokenConfig::company(
        "pit-other-agency",
        "AnotherCompany000001",
    ));
    let other = api.with_token("pit-other-agency");
    let r = location_token(&other, "AnotherCompany000001", SECOND).await;
    assert_eq!(r.status, 400, "{}", r.body);
}

#[tokio::test]
async fn installed_locations_page_filter_and_count() {
    let mut cfg = unlimited();
    for n in 2..=5 {
        let id = format!("SandboxLocation{n:05}");
        let mut loc = LocationConfig::new(&id);
        loc.name = Some(format!("Shop {n}"));
        cfg.locations.push(loc);
    }
    let (_h, api) = start(cfg).await;
    let company = agency(&api).await;
    let list = |extra: &[(&'static str, &'static str)]| {
        let mut q = vec![("companyId", DEFAULT_COMPANY_ID), ("appId", DEFAULT_APP_ID)];
        q.extend_from_slice(extra);
        q
    };
    let ids = |r: &crate::util::Reply| -> Vec<String> {
        r.body["locations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["_id"].as_str().unwrap().to_string())
            .collect()
    };
    let path = "/oauth/installedLocations";
    let all = company.get_query(path, &list(&[]), Check::Request).await;
    assert_eq!(all.body["count"], 5);
    assert_eq!(ids(&all).len(), 5);
    assert!(all.body["locations"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["isInstalled"] == true));
    let page = company
        .get_query(
            path,
            &list(&[("skip", "1"), ("limit", "2")]),
            Check::Request,
        )
        .await;
    assert_eq!(ids(&page), ids(&all)[1..3].to_vec());
    assert_eq!(
        page.body["count"], 5,
        "count is of all matches, not of the page"
    );
    let named = company
        .get_query(path, &list(&[("query", "shop 4")]), Check::Request)
        .await;
    assert_eq!(ids(&named), ["SandboxLocation00004"]);
    let one = company
        .get_query(
            path,
            &list(&[
                ("locationId", "SandboxLocation00003"),
                ("isInstalled", "true"),
            ]),
            Check::Request,
        )
        .await;
    assert_eq!(ids(&one), ["SandboxLocation00003"]);
    let none = company
        .get_query(path, &list(&[("isInstalled", "false")]), Check::Request)
        .await;
    assert_eq!(none.body["count"], 0, "the app is installed everywhere");
    let bad = company
        .get_query(path, &list(&[("limit", "many")]), Check::Skip)
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
}

#[test]
fn the_oauth_validators_reject_what_breaks_oauth_json() {
    let spec = crate::util::spec::Spec::get();
    let list = "/oauth/installedLocations";
    let ok = [
        ("companyId", "c"),
        ("appId", "a"),
        ("isInstalled", "true"),
        ("skip", "2"),
    ];
    assert!(spec.check_query("GET", list, &ok).is_ok());
    assert!(
        spec.check_query("GET", list, &[("companyId", "c")])
            .is_err(),
        "appId required"
    );
    assert!(
        spec.check_query(
            "GET",
            list,
            &[("companyId", "c"), ("appId", "a"), ("page", "2")]
        )
        .is_err(),
        "unknown parameter"
    );
    assert!(
        spec.check_form("POST", "/oauth/locationToken", &[("companyId", "c")])
            .is_err(),
        "locationId required"
    );
    let minted = json!({"access_token": "t", "userId": "u", "locationId": "l"});
    assert!(spec
        .check_response("POST", "/oauth/locationToken", 200, &minted)
        .is_ok());
    let mut invented = minted.clone();
    invented["refresh_token"] = json!("r");
    assert!(
        spec.check_response("POST", "/oauth/locationToken", 200, &invented)
            .is_err(),
        "a location token from an agency token has no refresh token in the spec"
    );
    let page = json!({"locations": [{"_id": "l", "name": "n"}], "count": 1});
    assert!(
        spec.check_response("GET", list, 200, &page).is_err(),
        "address is required"
    );
}

/// A rotated agency refresh token stays rotated across a restart with `--data`: the configured
/// one is not handed out again, the one the last refresh returned works.
#[tokio::test]
async fn agency_refresh_tokens_stay_rotated_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sandbox.json");
    let cfg = || persistent(&data);
    let (h, api) = start(cfg()).await;
    let r = refresh_company(&api, DEFAULT_AGENCY_REFRESH_TOKEN, "Company").await;
    assert_eq!(r.status, 200, "{}", r.body);
    let next = r.body["refresh_token"].as_str().unwrap().to_string();
    h.shutdown().await.unwrap();

    let (_h, api) = start(cfg()).await;
    let old = refresh_company(&api, DEFAULT_AGENCY_REFRESH_TOKEN, "Company").await;
    assert_eq!(old.status, 401, "used before the restart");
    let r = refresh_company(&api, &next, "Company").await;
    assert_eq!(r.status, 200, "{}", r.body);
}
