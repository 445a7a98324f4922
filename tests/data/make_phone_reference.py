#!/usr/bin/env python3
"""Write tests/data/phone_reference.csv: libphonenumber's own answers for ~300 phone inputs.

Run:   pip install phonenumbers==9.0.43 && python3 tests/data/make_phone_reference.py

`phonenumbers` is the Python port of Google's libphonenumber, generated from the same
metadata; version 9.0.43 carries libphonenumber 9.0.x metadata. The table is deterministic
for a given phonenumbers version; the script refuses to run on another version unless
--any-version is given (then update PINNED and tests/data/README.md with it).

Columns:
  input      the text as a person would type it in a spreadsheet cell
  region     the default region it is parsed with (ISO 3166-1 alpha-2)
  e164       phonenumbers' E.164 rendering of the parsed number, "" if parse() failed
             (a parsed but invalid number still has one: the tool must not send it)
  valid      phonenumbers.is_valid_number() as true/false (false when unparseable)
  extension  the parsed extension, "" if none
  format     national|international|e164|punctuated|extension|letters|invalid
  note       where the input came from (country, number type, how it was rendered)
"""

from __future__ import annotations

import csv
import os
import sys

import phonenumbers
from phonenumbers import PhoneNumberFormat as F
from phonenumbers import PhoneNumberType as T

PINNED = "9.0.43"
HERE = os.path.dirname(os.path.abspath(__file__))

# The brief's twenty plus two with their own quirks (SE area codes with dashes, PL no trunk 0).
REGIONS = ["US", "CA", "GB", "DE", "FR", "ES", "IT", "NL", "BE", "CH", "AT", "IE", "AU", "NZ",
           "IN", "BR", "MX", "ZA", "JP", "SG", "SE", "PL"]
TYPES = [(T.MOBILE, "mobile"), (T.FIXED_LINE, "fixed-line")]


def row(text: str, region: str, fmt: str, note: str) -> list[str]:
    """Ask phonenumbers what `text` is when parsed with default `region`."""
    try:
        n = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return [text, region, "", "false", "", fmt, note]
    return [text, region, phonenumbers.format_number(n, F.E164),
            "true" if phonenumbers.is_valid_number(n) else "false", n.extension or "", fmt, note]


def punctuate(national: str, k: int) -> str:
    """Re-punctuate a national rendering the ways spreadsheets hold numbers."""
    digits = "".join(ch for ch in national if ch.isdigit())
    if k == 0:
        return national.replace(" ", ".").replace("-", ".")
    if k == 1:
        return national.replace(" ", "-").replace("(", "").replace(")", "")
    # Groups of 3 with slashes and a bracketed first group: "(012) 345/678-9".
    return f"({digits[:3]}) {digits[3:6]}/{digits[6:9]}-{digits[9:]}".rstrip("-")


def build() -> list[list[str]]:
    rows: list[list[str]] = []
    for region in REGIONS:
        cc = phonenumbers.country_code_for_region(region)
        for t, tname in TYPES:
            n = phonenumbers.example_number_for_type(region, t)
            if n is None:
                continue
            nat = phonenumbers.format_number(n, F.NATIONAL)
            intl = phonenumbers.format_number(n, F.INTERNATIONAL)
            e164 = phonenumbers.format_number(n, F.E164)
            nsn = phonenumbers.national_significant_number(n)
            tag = f"{region} {tname} example"
            rows.append(row(nat, region, "national", f"{tag}, national format"))
            rows.append(row(nat.replace(" ", "").replace("-", "").replace("(", "").replace(")", ""),
                            region, "national", f"{tag}, national digits only"))
            rows.append(row(intl, region, "international", f"{tag}, international format"))
            rows.append(row(intl, "US" if region != "US" else "GB", "international",
                            f"{tag}, international format parsed with a foreign default region"))
            # "00" is the international prefix in Europe, not in US/AU/JP/BR/SG: write the
            # number as someone in Germany (or France, for German numbers) would.
            caller = "FR" if region == "DE" else "DE"
            rows.append(row(f"00{cc} {nsn}", caller, "international",
                            f"{tag}, 00 international prefix, dialled from {caller}"))
            rows.append(row(e164, region, "e164", f"{tag}, E.164"))
            rows.append(row(e164, "US", "e164", f"{tag}, E.164 parsed with default region US"))
            rows.append(row(punctuate(nat, len(rows) % 3), region, "punctuated",
                            f"{tag}, national re-punctuated"))
            rows.append(row(f"+{cc} ({nsn[:2]}) {nsn[2:]}", region, "punctuated",
                            f"{tag}, brackets around the first digits"))
            ext = ["ext. 123", "x123", "#123", "ext 4567", ";ext=89"][len(rows) % 5]
            sep = "" if ext.startswith(";") else " "
            rows.append(row(f"{intl}{sep}{ext}", region, "extension", f"{tag} with '{ext}'"))
            # Invalid by length. Regions with variable-length numbers (DE, AT, IT) accept some
            # of these; such rows would test one metadata release against another, not the
            # parser, so only the variants libphonenumber rejects are kept.
            for text, how in ((f"+{cc} {nsn[:-3]}", "3 digits dropped"),
                              (f"+{cc} {nsn}123456", "6 digits added")):
                r = row(text, region, "invalid", f"{tag}, {how}")
                if r[3] == "false":
                    rows.append(r)
        # A trunk-prefix "(0)" inside an international number, common in European signatures.
        # Not IT: Italian fixed lines keep their leading 0, so "(0)" there is a real digit.
        if region in ("GB", "DE", "FR", "NL", "BE", "CH", "AT", "IE", "AU", "NZ", "ZA"):
            n = phonenumbers.example_number_for_type(region, T.FIXED_LINE)
            nsn = phonenumbers.national_significant_number(n)
            rows.append(row(f"+{phonenumbers.country_code_for_region(region)} (0) {nsn}", "US",
                            "punctuated", f"{region} fixed-line example, '(0)' after the country code"))
    rows += us_specials()
    return rows


def us_specials() -> list[list[str]]:
    r = [
        row("(212) 555-0134", "US", "national", "US 555-01xx fictitious range"),
        row("212.555.0134", "US", "punctuated", "US dotted"),
        row("1-212-555-0134", "US", "national", "US with leading 1"),
        row("1 (212) 555-0134", "US", "national", "US with leading 1 and brackets"),
        row("+1 (212) 555-0134", "US", "international", "US international with brackets"),
        row("2125550134", "US", "national", "US 10 digits"),
        row("12125550134", "US", "national", "US 11 digits starting with 1"),
        row("001 212 555 0134", "GB", "international", "US number dialled from the UK"),
        row("011 44 20 7946 0018", "US", "international", "UK number dialled from the US (011)"),
        row("+1 613 555 0142", "US", "international", "CA number, default region US"),
        row("613-555-0142", "CA", "national", "CA national"),
        row("1-800-FLOWERS", "US", "letters", "US toll-free vanity"),
        row("1-800-GHL-BULK", "US", "letters", "US toll-free vanity, two letter groups"),
        row("1 (888) SAMPLES", "US", "letters", "US toll-free vanity 888"),
        row("800-CALL-NOW", "US", "letters", "US vanity without the leading 1"),
        row("+1-800-PICK-UPS", "US", "letters", "US vanity, international prefix"),
        row("(212) 555-0134 ext. 12", "US", "extension", "US national with 'ext. 12'"),
        row("212-555-0134 x7", "US", "extension", "US with 'x7'"),
        row("212 555 0134 #3344", "US", "extension", "US with '#3344'"),
        row("+1 212 555 0134 extension 99", "US", "extension", "US with 'extension 99'"),
        row("212-555-0134 ext.1", "US", "extension", "US with 'ext.1' (no space)"),
        row("(123) 555-0134", "US", "invalid", "US area code starting with 1"),
        row("(023) 555-0134", "US", "invalid", "US area code starting with 0"),
        row("(999) 555-0100", "US", "invalid", "US unassigned area code 999"),
        row("555-0134", "US", "invalid", "US 7-digit local number, no area code"),
        row("212-555-013", "US", "invalid", "US 9 digits"),
        row("212-555-01345", "US", "invalid", "US 11 digits not starting with 1"),
        row("+1 +1 212 555 0134", "US", "invalid", "country code typed twice"),
        row("n/a", "US", "invalid", "placeholder text"),
        row("12", "US", "invalid", "too short to be a number"),
        row("+", "US", "invalid", "plus sign alone"),
        row("call me", "US", "invalid", "words"),
        row("0", "US", "invalid", "zero"),
        row("4155550134.0", "US", "invalid", "a number cell rendered as a float"),
        row("+44 7700 900123", "GB", "invalid", "UK Ofcom drama mobile range (not valid)"),
        row("+44 20 7946 0018", "US", "international", "UK Ofcom drama London range (valid)"),
        row("+61 491 570 156", "US", "international", "AU ACMA fictitious mobile range (valid)"),
    ]
    return r


def main():
    if phonenumbers.__version__ != PINNED and "--any-version" not in sys.argv:
        sys.exit(f"phonenumbers {phonenumbers.__version__} found, {PINNED} pinned; "
                 "pass --any-version to regenerate with it and update PINNED and README.md")
    rows = build()
    seen, unique = set(), []
    for r in rows:
        if (r[0], r[1]) not in seen:
            seen.add((r[0], r[1]))
            unique.append(r)
    path = os.path.join(HERE, "phone_reference.csv")
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["input", "region", "e164", "valid", "extension", "format", "note"])
        w.writerows(unique)
    regions = {r[1] for r in unique}
    print(f"{len(unique)} rows, {len(regions)} default regions, "
          f"{sum(r[3] == 'true' for r in unique)} valid, phonenumbers {phonenumbers.__version__}")


if __name__ == "__main__":
    main()
