//! Tests of `normalise` as a whole, and the idempotence properties of every normaliser:
//! normalising a normalised value changes nothing (proptest).

use proptest::prelude::*;

use super::*;

fn draft(pairs: &[(StdField, &str)]) -> Draft<'static> {
    let mut d = Draft::default();
    for (f, v) in pairs {
        d.fields[*f as usize] = Some(v.to_string().into());
    }
    d
}

fn rules_us() -> Rules {
    Rules {
        default_region: Region::from_code("US"),
        ..Rules::default()
    }
}

#[test]
fn a_clean_row() {
    let mut d = draft(&[
        (StdField::Email, " Ann@Example.com "),
        (StdField::Phone, "(415) 555-2671"),
        (StdField::FirstName, "  Ann  "),
        (StdField::Country, "United States of America"),
        (StdField::Dnd, "yes"),
        (StdField::DateOfBirth, "09/25/1990"),
    ]);
    d.tags = vec!["VIP".into(), " vip".into(), "Expo".into()];
    let n = normalise(d, &rules_us());
    assert!(n.rejection().is_none(), "{:?}", n.issues);
    let c = n.contact;
    assert_eq!(c.std.email.as_deref(), Some("ann@example.com"));
    assert_eq!(c.std.first_name.as_deref(), Some("Ann"));
    assert_eq!(c.std.country.as_deref(), Some("US"));
    assert_eq!(c.std.phone.as_deref(), Some("+14155552671"));
    assert_eq!(c.std.date_of_birth.as_deref(), Some("1990-09-25"));
    assert_eq!(c.std.dnd, Some(true));
    assert_eq!(c.tags, vec!["vip", "expo"]);
}

#[test]
fn row_country_is_the_phone_region() {
    let d = draft(&[
        (StdField::Phone, "030 901820"),
        (StdField::Country, "Deutschland"),
    ]);
    let n = normalise(d, &rules_us());
    assert_eq!(n.contact.std.phone.as_deref(), Some("+4930901820"));
    assert_eq!(n.contact.std.country.as_deref(), Some("DE"));
    // The same national number read with the mapping's US region is not valid.
    let n = normalise(draft(&[(StdField::Phone, "030 901820")]), &rules_us());
    assert_eq!(n.rejection().map(|i| i.code), Some(IssueCode::PhoneInvalid));
}

#[test]
fn invalid_email_blocks_by_default_and_drops_when_told() {
    let d = draft(&[(StdField::Email, "ann@"), (StdField::Phone, "+14155552671")]);
    let n = normalise(d.clone(), &rules_us());
    assert_eq!(n.rejection().map(|i| i.code), Some(IssueCode::EmailInvalid));

    let mut rules = rules_us();
    rules.policies[StdField::Email as usize] = Policy::DropField;
    let n = normalise(d, &rules);
    assert!(n.rejection().is_none());
    assert_eq!(n.issues.len(), 1);
    assert!(n.contact.std.email.is_none());
}

#[test]
fn bad_birthday_is_only_a_warning_unless_told() {
    let d = draft(&[
        (StdField::Email, "a@b.co"),
        (StdField::DateOfBirth, "31/31/1990"),
    ]);
    let n = normalise(d.clone(), &rules_us());
    assert!(n.rejection().is_none());
    assert_eq!(n.issues[0].code, IssueCode::DobInvalid);
    let mut rules = rules_us();
    rules.policies[StdField::DateOfBirth as usize] = Policy::RejectRow;
    assert!(normalise(d, &rules).rejection().is_some());
}

#[test]
fn future_and_empty_marker_birthdays() {
    let mut rules = rules_us();
    rules.today = Some("2026-11-23".into());
    let d = draft(&[
        (StdField::Email, "a@b.co"),
        (StdField::DateOfBirth, "2031-01-01"),
    ]);
    let n = normalise(d, &rules);
    assert_eq!(n.issues[0].code, IssueCode::DobInvalid);
    assert!(n.contact.std.date_of_birth.is_none());
    let d = draft(&[
        (StdField::Email, "a@b.co"),
        (StdField::DateOfBirth, "0/0/00"),
    ]);
    let n = normalise(d, &rules);
    assert!(n.issues.is_empty(), "{:?}", n.issues);
    assert!(n.contact.std.date_of_birth.is_none());
}

#[test]
fn no_identity() {
    let n = normalise(draft(&[(StdField::FirstName, "Ann")]), &rules_us());
    assert_eq!(n.rejection().map(|i| i.code), Some(IssueCode::NoIdentity));
    // An invalid phone dropped by policy leaves no identity either.
    let mut rules = rules_us();
    rules.policies[StdField::Phone as usize] = Policy::DropField;
    let n = normalise(draft(&[(StdField::Phone, "12")]), &rules);
    assert_eq!(n.rejection().map(|i| i.code), Some(IssueCode::NoIdentity));
}

#[test]
fn merge_is_first_non_empty_and_union() {
    let mut a = Contact {
        std: StdFields {
            email: Some("a@b.co".into()),
            ..StdFields::default()
        },
        tags: vec!["x".into()],
        notes: vec!["n1".into()],
        ..Contact::default()
    };
    let b = Contact {
        std: StdFields {
            email: Some("other@b.co".into()),
            city: Some("Paris".into()),
            dnd: Some(false),
            ..StdFields::default()
        },
        tags: vec!["y".into(), "x".into()],
        notes: vec!["n1".into(), "n2".into()],
        ..Contact::default()
    };
    a.merge_from(&b);
    assert_eq!(a.std.email.as_deref(), Some("a@b.co"));
    assert_eq!(a.std.city.as_deref(), Some("Paris"));
    assert_eq!(a.std.dnd, Some(false));
    assert_eq!(a.tags, vec!["x", "y"]);
    assert_eq!(a.notes, vec!["n1", "n2"]);
}

#[test]
fn payload_is_dto_shaped() {
    let c = Contact {
        std: StdFields {
            first_name: Some("Ann".into()),
            date_of_birth: Some("1990-09-25".into()),
            dnd: Some(true),
            ..StdFields::default()
        },
        ..Contact::default()
    };
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(
        json,
        r#"{"firstName":"Ann","dnd":true,"dateOfBirth":"1990-09-25"}"#
    );
    let back: Contact = serde_json::from_str(&json).unwrap();
    assert_eq!(back, c);
}

proptest! {
    #[test]
    fn email_idempotent(s in "[ A-Za-z0-9._%+@-]{0,30}") {
        if let Ok(once) = normalise_email(&s) {
            prop_assert_eq!(normalise_email(&once).unwrap(), once);
        }
    }

    #[test]
    fn phone_idempotent(s in "[+]?[0-9 ()A-Za-z.x-]{0,20}", region in "(US|GB|DE|FR|IN|BR|AU)") {
        let region = Region::from_code(&region);
        if let Ok((once, _)) = normalise_phone(&s, region) {
            prop_assert_eq!(normalise_phone(&once, region).unwrap().0, once.clone());
            // E.164 needs no region.
            prop_assert_eq!(normalise_phone(&once, None).unwrap().0, once);
        }
    }

    #[test]
    fn country_idempotent(s in "[A-Za-z .&'-]{0,25}") {
        if let Ok(once) = normalise_country(&s) {
            prop_assert_eq!(normalise_country(once).unwrap(), once);
        }
    }

    #[test]
    fn country_names_round_trip(i in 0usize..247) {
        let (code, name) = country_table::COUNTRIES[i];
        if let Ok(got) = normalise_country(name) {
            prop_assert_eq!(got, code);
        }
        prop_assert_eq!(normalise_country(&code.to_lowercase()).unwrap(), code);
    }

    #[test]
    fn dob_idempotent(s in "[0-9]{1,8}|[0-9]{1,4}[-/._][0-9]{1,2}[-/._][0-9]{1,4}", dmy: bool) {
        let order = if dmy { DateOrder::DayFirst } else { DateOrder::MonthFirst };
        if let Ok(once) = normalise_dob(&s, order) {
            prop_assert_eq!(normalise_dob(&once, order).unwrap(), once.clone());
            prop_assert_eq!(normalise_dob(&once, DateOrder::MonthFirst).unwrap(), once);
        }
    }

    #[test]
    fn timezone_idempotent(s in "(america|europe|asia|AMERICA|Africa)/[a-zA-Z_ ]{1,12}|UTC|utc|GMT") {
        if let Ok(once) = normalise_timezone(&s) {
            prop_assert_eq!(normalise_timezone(once).unwrap(), once);
        }
    }

    #[test]
    fn tags_idempotent(tags in proptest::collection::vec("[ A-Za-z0-9-]{0,8}", 0..6)) {
        let once = normalise_tags(tags.iter().map(String::as_str));
        let twice = normalise_tags(once.iter().map(String::as_str));
        prop_assert_eq!(twice, once);
    }
}
