//! The column names `mapping init` recognises, by what they become: the headers of HighLevel,
//! Google Contacts, Outlook, HubSpot, Mailchimp, Salesforce, Zoho and Pipedrive exports, and of
//! our own export (`Name (contact.key)` for a custom field).

/// What a recognised header becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    /// A standard field. Email and phone take every matching column, best first (`first_of`).
    Field(&'static str),
    /// Whole names, split into first and last name.
    FullName,
    /// Tags: the delimiter inside a cell, and the values that are not tags.
    Tags(&'static str, &'static [&'static str]),
    /// The note.
    Note,
}

/// Google's system groups, which every contact (or every starred one) is in: not tags.
const GOOGLE_SYSTEM_GROUPS: &[&str] = &["* myContacts", "* starred"];

/// Header names (folded: lower case, letters and digits only) by target, best first. Sources:
/// the export formats named above (e.g. Google "E-mail 1 - Value", Outlook "E-mail Address",
/// "Mobile Phone", "Business Street", HubSpot "Mobile Phone Number", Mailchimp "Email
/// Address" and "CC", Salesforce "Mailing Street", Zoho "Mailing Zip", Pipedrive "Person -
/// Email - Work", "Organization - Name", HighLevel "Business Name").
pub(super) const KNOWN: &[(Target, &[&str])] = &[
    (
        Target::Field("email"),
        &[
            "email",
            "emailaddress",
            "primaryemail",
            "personemailwork",
            "personemail",
            "email1value",
            "email1",
            "emailaddress1",
            "workemail",
            "personemailhome",
            "personemailother",
            "email2value",
            "email2",
            "email2address",
            "email3value",
            "email3",
            "email3address",
            "secondaryemail",
            "homeemail",
            "otheremail",
        ],
    ),
    (
        // Mobile first: it is the person's own, where a business line may be a switchboard.
        Target::Field("phone"),
        &[
            "mobile",
            "mobilephone",
            "mobilephonenumber",
            "mobilenumber",
            "personphonemobile",
            "cellphone",
            "cell",
            "cellnumber",
            "phone",
            "phonenumber",
            "phone1",
            "primaryphone",
            "phone1value",
            "personphonework",
            "personphone",
            "businessphone",
            "workphone",
            "homephone",
            "personphonehome",
            "telephone",
            "telephonenumber",
            "tel",
            "phone2value",
            "phone2",
            "phone3",
            "phone3value",
            "businessphone2",
            "homephone2",
            "otherphone",
            "personphoneother",
        ],
    ),
    (
        Target::Field("firstName"),
        &[
            "firstname",
            "first",
            "givenname",
            "fname",
            "forename",
            "personfirstname",
        ],
    ),
    (
        Target::Field("lastName"),
        &[
            "lastname",
            "last",
            "surname",
            "familyname",
            "lname",
            "personlastname",
        ],
    ),
    (
        Target::FullName,
        &[
            "name",
            "fullname",
            "contactname",
            "displayname",
            "personname",
        ],
    ),
    (
        Target::Field("companyName"),
        &[
            "companyname",
            "company",
            "businessname",
            "organization",
            "organisation",
            "organization1name",
            "organizationname",
            "personorganization",
            "accountname",
            "account",
            "companyaccount",
            "employer",
        ],
    ),
    (
        Target::Field("address1"),
        &[
            "address1",
            "address",
            "streetaddress",
            "street",
            "addressline1",
            "address1street",
            "businessstreet",
            "homestreet",
            "mailingstreet",
            "streetaddress1",
        ],
    ),
    (
        Target::Field("city"),
        &[
            "city",
            "town",
            "address1city",
            "businesscity",
            "homecity",
            "mailingcity",
        ],
    ),
    (
        Target::Field("state"),
        &[
            "state",
            "province",
            "stateprovince",
            "stateregion",
            "region",
            "address1region",
            "businessstate",
            "homestate",
            "mailingstate",
            "mailingstateprovince",
        ],
    ),
    (
        Target::Field("postalCode"),
        &[
            "postalcode",
            "zip",
            "zipcode",
            "postcode",
            "zippostalcode",
            "address1postalcode",
            "businesspostalcode",
            "homepostalcode",
            "mailingzip",
            "mailingzippostalcode",
            "mailingpostalcode",
        ],
    ),
    (
        Target::Field("country"),
        &[
            "country",
            "countrycode",
            "countryregion",
            "address1country",
            "businesscountryregion",
            "homecountryregion",
            "mailingcountry",
            // Mailchimp's two-letter country of the subscriber.
            "cc",
        ],
    ),
    (
        Target::Field("website"),
        &[
            "website",
            "web",
            "url",
            "webpage",
            "websiteurl",
            "homepage",
            "website1value",
        ],
    ),
    (Target::Field("timezone"), &["timezone", "tz"]),
    (
        Target::Field("dateOfBirth"),
        &["dateofbirth", "birthday", "birthdate", "dob"],
    ),
    (Target::Field("gender"), &["gender", "sex"]),
    (
        Target::Field("source"),
        &["source", "leadsource", "contactsource"],
    ),
    (
        Target::Field("dnd"),
        &[
            "dnd",
            "donotdisturb",
            "donotcontact",
            "optout",
            "emailoptout",
            "unsubscribed",
            "donotcall",
        ],
    ),
    (Target::Field("assignedTo"), &["assignedto"]),
    (
        Target::Tags(",", &[]),
        &["tags", "tag", "membertags", "personlabel"],
    ),
    (
        Target::Tags(":::", GOOGLE_SYSTEM_GROUPS),
        &["labels", "groupmembership"],
    ),
    (Target::Tags(";", &[]), &["categories"]),
    (
        Target::Note,
        &["notes", "note", "description", "comments", "comment"],
    ),
];

/// Lower case, letters and digits only: "E-mail 1 - Value" → "email1value".
pub(super) fn fold(header: &str) -> String {
    header
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The custom field key in a header of our own export, `Name (contact.key)`.
pub(super) fn custom_field_key(header: &str) -> Option<&str> {
    let inner = header.trim().strip_suffix(')')?;
    let (name, key) = inner.rsplit_once(" (")?;
    let rest = key.strip_prefix("contact.")?;
    let plausible = !name.trim().is_empty()
        && !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '-');
    plausible.then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_and_custom_keys() {
        assert_eq!(fold("Person - Email - Work"), "personemailwork");
        assert_eq!(
            custom_field_key("Membership Level (contact.membership_level)"),
            Some("contact.membership_level")
        );
        assert_eq!(custom_field_key("Phone (mobile)"), None);
        assert_eq!(custom_field_key(" (contact.x)"), None);
        assert_eq!(custom_field_key("X (contact.)"), None);
        assert_eq!(custom_field_key("X (contact.a b)"), None);
    }

    #[test]
    fn no_name_is_listed_twice() {
        let mut all: Vec<&str> = KNOWN
            .iter()
            .flat_map(|(_, names)| names.iter().copied())
            .collect();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n);
    }
}
