#!/usr/bin/env python3
"""Independent check of examples/gen_contacts.rs output with libphonenumber (phonenumbers).

    cargo run --release --example gen_contacts -- --rows 200000 --seed 7 --out /tmp/g.csv
    python3 tests/data/check_gen_contacts.py /tmp/g.csv 10014 5860

Counts the rows with no usable identity (an email present but malformed, a phone present but
not valid for default region US, or neither) and the rows whose normalised email or phone
already appeared in an earlier usable row, and compares them with the duplicates and invalid
counts the generator printed. It also fails if a phone outside the generator's list of
deliberately bad ones is invalid, i.e. if a "clean" row would be rejected.
Requires: pip install phonenumbers==9.0.43
"""

import csv
import re
import sys

import phonenumbers

EMAIL = re.compile(r"^[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)+$")
# Keep in step with BAD_PHONES in examples/gen_contacts.rs.
BAD_PHONES = {"555-01", "n/a", "12345", "call me", "(415) 555-01", "000", "TBD"}


def e164(text: str):
    try:
        n = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164) \
        if phonenumbers.is_valid_number(n) else None


def main():
    path, want_dups, want_invalid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    emails, phones = set(), set()
    rows = dups = invalid = surprises = 0
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            rows += 1
            raw_email, raw_phone = r["Email"].strip(), r["Phone"]
            email = raw_email.lower() if EMAIL.match(raw_email.lower()) else None
            phone = e164(raw_phone) if raw_phone else None
            if raw_phone and phone is None and raw_phone not in BAD_PHONES:
                surprises += 1
                print(f"row {rows + 1}: clean-looking phone {raw_phone!r} is not valid")
            if (raw_email and not email) or (raw_phone and not phone) or not (email or phone):
                invalid += 1
                continue
            if (email and email in emails) or (phone and phone in phones):
                dups += 1
            emails.add(email)
            phones.add(phone)
    print(f"{rows} rows: {dups} duplicates (generator: {want_dups}), "
          f"{invalid} invalid (generator: {want_invalid}), {surprises} surprises")
    sys.exit(0 if (dups, invalid, surprises) == (want_dups, want_invalid, 0) else 1)


if __name__ == "__main__":
    main()
