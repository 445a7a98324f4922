#!/usr/bin/env python3
"""Make every sample input in samples/, deterministically, plus samples/defects.csv.

Run from anywhere:   python3 samples/make_samples.py
Requires (pinned; install with pip):
    pip install XlsxWriter==3.3.1 xlwt==1.3.0 odfpy==1.4.1
Only for the read-back check at the end (optional, skipped when missing):
    pip install openpyxl==3.1.5 xlrd==2.0.2

Everything is fixed data or comes from one seeded random.Random, so two runs give
byte-identical files (zip entry times and document dates are pinned too). The people,
companies and addresses are made up; phones are in the fictitious 555-01xx range (US/CA)
or in ranges regulators reserve for drama/examples (UK 020 7946 0xxx, AU 0491 570 1xx,
02 5550 xxxx), mail domains are example.com/.org/.net.

The builders live in samples/samplegen/ (common.py: the people pool, defect register and
writers; quickstart.py: contacts.xlsx; dialects.py and exports.py: the CSV files;
workbooks.py: xls/ods/xlsm); this file runs them, writes README.md and checks the results.

Each planted defect is registered with `Defects.add`, which knows the row a person sees
(the Excel row, also for CSV: the row Excel opens the record on) and writes
samples/defects.csv; samples/README.md describes the same list for people. Rows are counted
as: header = row 1, first data row = row 2; a CSV record with quoted line breaks is one row.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from samplegen.common import DEFECTS, HERE, SEED, make_people  # noqa: E402
from samplegen.crms import expo_badges_xlsx, pipedrive_people, zoho_contacts  # noqa: E402
from samplegen.dialects import (crm_export_semicolon, excel_unicode_text,  # noqa: E402
                                outlook_export, tradeshow_leads)
from samplegen.exports import (google_contacts, highlevel_export, hubspot_export,  # noqa: E402
                               mailchimp_audience, salesforce_report)
from samplegen.quickstart import contacts_xlsx  # noqa: E402
from samplegen.workbooks import leads_ods, leads_xls, leads_xlsm  # noqa: E402


FILES = [
    # file, format, encoding, delimiter, header convention
    ("contacts.xlsx", "XLSX, sheet `Contacts`", "-", "-", "generic agency list (quick start)"),
    ("tradeshow_leads.csv", "CSV, CRLF", "UTF-8", "`,`", "badge-scanner export"),
    ("crm_export_semicolon.csv", "CSV, CRLF", "UTF-8 with BOM", "`;`", "European CRM export"),
    ("outlook_export_cp1252.csv", "CSV, CRLF, all quoted", "Windows-1252", "`,`",
     "Outlook 'Export to a file' (92 columns)"),
    ("excel_unicode_text.txt", "Excel *Unicode Text*, CRLF", "UTF-16 LE with BOM", "tab",
     "same headers as contacts.xlsx (12 of them)"),
    ("mailchimp_audience.csv", "CSV, LF", "UTF-8", "`,`", "Mailchimp audience export"),
    ("hubspot_export.csv", "CSV, CRLF", "UTF-8", "`,`", "HubSpot contacts export"),
    ("google_contacts.csv", "CSV, CRLF", "UTF-8", "`,`",
     "Google Contacts, older *Google CSV* layout (`Given Name`, `Family Name`, `E-mail 1 - Value`)"),
    ("salesforce_report.csv", "CSV, CRLF, all quoted, report footer", "UTF-8", "`,`",
     "Salesforce leads report *Export Details*"),
    ("highlevel_export.csv", "CSV, CRLF", "UTF-8", "`,`", "HighLevel contacts export"),
    ("leads.xls", "XLS (BIFF8), sheets `Leads`, `Read me`", "-", "-", "LEADS (12 columns)"),
    ("leads.ods", "ODS, table `Leads`", "-", "-", "LEADS (12 columns)"),
    ("leads.xlsm", "XLSM (macro-enabled, no macros), sheet `Leads`", "-", "-", "LEADS (12 columns)"),
    ("pipedrive_people.csv", "CSV, CRLF", "UTF-8", "`,`",
     "Pipedrive People export (`Person - Email - Work`, `Person - Phone - Mobile`, ...)"),
    ("zoho_contacts.csv", "CSV, CRLF", "UTF-8", "`,`",
     "Zoho CRM Contacts export (`Mobile`, `Mailing Street`, `Mailing Zip`, ...)"),
    ("expo_badges.xlsx", "XLSX, sheet `Scans`, header in row 4", "-", "-",
     "lead-retrieval workbook: two title rows and a blank row above the header"),
]

README_HEAD = """# samples/

Realistic, fictitious contact lists of the kinds an agency receives, clean and dirty, in every
format and dialect ghl-bulk reads. All of them are made by `make_samples.py` (fixed seed, fixed
data, byte-identical on every run; see its docstring for the pinned PyPI packages) and the
binary ones are committed, so the quick start needs only the Rust toolchain:

    ghl-bulk import samples/contacts.xlsx --mapping mappings/example.toml --sandbox

This file and `defects.csv` are written by the same script; do not edit them by hand.

People, companies and street numbers are made up. Phones are in ranges set aside for fiction
(US/CA 555-0100..0199, UK 020 7946 0xxx, FR 01 99 00 xx xx and 04 65 71 xx xx, SE
08-465 004 xx) or are libphonenumber's own example numbers (`+49 30 1234567`,
`+39 02 1234 5678`, ...), all of which libphonenumber counts as valid; mail domains are
example.com, example.org and example.net.

## Files

`rows` counts data rows (records), header excluded. LEADS = First Name, Last Name, Email, Phone,
Company, City, State, Postal Code, Country, Date of Birth, Opted In, Tags.

| file | format | encoding | delimiter | rows | header convention |
|---|---|---|---|---|---|
"""

README_NOTES = """
Not here: **XLSB**. No tool available here can write it (XlsxWriter, openpyxl and LibreOffice
cannot; pyxlsb only reads), and a hand-made BIFF12 file would test our own writer rather than
Excel's. calamine's xlsb reader is exercised only if someone saves `contacts.xlsx` as
*Excel Binary Workbook* in Excel and commits it next to this file as `contacts.xlsb`.

Formats worth knowing when reading these files:

- **contacts.xlsx** mixes cell types on purpose: phones are *number* cells (4155550134, one
  with the custom format `(000) 000-0000`, one ZIP shown through `00000`), Boston ZIPs are
  *text* `02134`, most birthdays are *date* cells (`mm/dd/yyyy`), some are text. Row 62's
  Lead Score is the formula `=40+32` with cached value 72. Rows 92-94 carry formatting only,
  except a single space in A93 (so the used range ends at row 93).
- **Dates of birth** use only formats HighLevel accepts (ISO `YYYY-MM-DD`, `MM/DD/YYYY`, ...),
  except where a defect below says otherwise: `DD.MM.YYYY` and `DD/MM/YYYY` are *not* accepted
  (ambiguous dates read month-first), so they appear only as planted defects.
- **Mailchimp** `TAGS`: each tag double-quoted, comma-separated, inside one CSV field;
  `Address`: one field whose parts are separated by two spaces; `Birthday`: `MM/DD`.
- **Google** multi-valued cells join values with ` ::: `. This is the older *Google CSV*
  layout; Google's newer export says `First Name` / `Last Name` / `Labels` instead.
- **Outlook** writes `0/0/00` for an empty Birthday or Anniversary.
- **Emails whose domain has no dot** (`lotte.janssens9@example`, `kim.ortega@example`) are
  marked `reject`: no public mail host has such a name, so on a contact list it is a typo.
  RFC 5321 and the HTML5 `type=email` rule do accept it; if the validator follows them on
  purpose, change `expect` for those rows here (in `make_samples.py`) rather than in a test.
- **Phones** that are not planted defects are all valid for libphonenumber with the row's
  country (or US), and no two rows of a file share an email or phone unless a defect says so
  (`merged`); `make_samples.py` was checked against both with the `phonenumbers` package.
- **Pipedrive** puts several emails and phones of a person in `Person - Email - Work/Home/Other`
  and `Person - Phone - Work/Home/Mobile/Other`; here some people have only a home email, or
  only a work or home phone. **Zoho** has `Phone` and `Mobile` (some people only the first).
  **expo_badges.xlsx**: some people have only a `Work Phone`, one has no email.
- **Salesforce** report exports end with a blank line and five one-field footer lines.
- **HighLevel** export: `Created`/`Last Activity` are ISO-8601 UTC here; the exact header set
  and date format of a real export vary by account and version (not documented publicly).

## Planted defects

`row` is what a person sees: the Excel row number (header = 1), also for a text file: the row
Excel opens the record on (a record with quoted line breaks is still one row).
`record` is the 1-based data record index (0 = not a data row). `expect` is the outcome
design.md implies: `reject` (no usable identity, or an email/phone present but invalid),
`warning` (the field is dropped, the row kept), `merged` (a duplicate of an earlier row), `ok`
(must be read/normalised correctly), `skip` (not a data row at all). The same list is in
`defects.csv` for tests. A `row` of 2 with a description saying "(all records)" or "(most
rows)" marks a property of the whole column.

| file | row | record | column | defect | expect |
|---|---|---|---|---|---|
"""


def write_readme(counts: dict[str, int]):
    out = [README_HEAD]
    for f, fmt, enc, delim, conv in FILES:
        out.append(f"| `{f}` | {fmt} | {enc} | {delim} | {counts[f]} | {conv} |\n")
    out.append(README_NOTES)
    for f, row, rec, col, what, exp in DEFECTS.items:
        out.append(f"| `{f}` | {row} | {rec} | {col} | {what.replace('|', chr(92) + '|')} | {exp} |\n")
    with open(os.path.join(HERE, "README.md"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write("".join(out))


def read_back(counts: dict[str, int]):
    """Re-read every file with an independent reader and check the record counts."""
    try:
        import openpyxl
        import xlrd
        from odf.opendocument import load
        from odf.table import TableRow
    except ImportError as e:
        print(f"read-back skipped: {e}")
        return
    csv_specs = {
        "tradeshow_leads.csv": ("utf-8", ","), "crm_export_semicolon.csv": ("utf-8-sig", ";"),
        "outlook_export_cp1252.csv": ("cp1252", ","), "excel_unicode_text.txt": ("utf-16", "\t"),
        "mailchimp_audience.csv": ("utf-8", ","), "hubspot_export.csv": ("utf-8", ","),
        "google_contacts.csv": ("utf-8", ","), "salesforce_report.csv": ("utf-8", ","),
        "highlevel_export.csv": ("utf-8", ","), "pipedrive_people.csv": ("utf-8", ","),
        "zoho_contacts.csv": ("utf-8", ","),
    }
    for f, (enc, delim) in csv_specs.items():
        with open(os.path.join(HERE, f), encoding=enc, newline="") as fh:
            records = list(csv.reader(fh, delimiter=delim))
        data = [r for r in records[1:] if any(x.strip() for x in r)]
        footer = 5 if f == "salesforce_report.csv" else 0
        assert len(data) - footer == counts[f], (f, len(data), counts[f])
    wb = openpyxl.load_workbook(os.path.join(HERE, "contacts.xlsx"))
    ws = wb["Contacts"]
    filled = [r for r in ws.iter_rows(min_row=2, values_only=True)
              if any(v is not None and str(v).strip() for v in r)]
    assert len(filled) == counts["contacts.xlsx"], len(filled)
    assert ws["D2"].value == 4155550134 and ws["I3"].value == "60614", (ws["D2"].value, ws["I3"].value)
    assert ws["Q62"].value == "=40+32" and isinstance(ws["K2"].value, dt.datetime)
    assert ws["M58"].data_type == "s", "formula-injection text must stay a string cell"
    wbm = openpyxl.load_workbook(os.path.join(HERE, "leads.xlsm"))
    assert wbm["Leads"].max_row == counts["leads.xlsm"] + 1
    book = xlrd.open_workbook(os.path.join(HERE, "leads.xls"))
    sh = book.sheet_by_name("Leads")
    assert sh.nrows == counts["leads.xls"] + 1 and sh.cell_value(1, 3) == float(sh.cell_value(1, 3))
    assert sh.cell(22, 3).ctype == xlrd.XL_CELL_ERROR and sh.cell(1, 9).ctype == xlrd.XL_CELL_DATE
    doc = load(os.path.join(HERE, "leads.ods"))
    assert len(doc.spreadsheet.getElementsByType(TableRow)) == counts["leads.ods"] + 2
    print("read-back OK")


def main():
    rng = random.Random(SEED)
    people = make_people(rng, 460)
    counts = {
        "contacts.xlsx": contacts_xlsx(people),
        "tradeshow_leads.csv": tradeshow_leads(people, rng),
        "crm_export_semicolon.csv": crm_export_semicolon(rng),
        "outlook_export_cp1252.csv": outlook_export(people),
        "excel_unicode_text.txt": excel_unicode_text(people),
        "mailchimp_audience.csv": mailchimp_audience(people, rng),
        "hubspot_export.csv": hubspot_export(people, rng),
        "google_contacts.csv": google_contacts(people),
        "salesforce_report.csv": salesforce_report(people, rng),
        "highlevel_export.csv": highlevel_export(people, rng),
        "leads.xls": leads_xls(people),
        "leads.ods": leads_ods(people),
        "leads.xlsm": leads_xlsm(people),
        "pipedrive_people.csv": pipedrive_people(people),
        "zoho_contacts.csv": zoho_contacts(people),
        "expo_badges.xlsx": expo_badges_xlsx(people),
    }
    DEFECTS.write(os.path.join(HERE, "defects.csv"))
    write_readme(counts)
    read_back(counts)
    for f, n in counts.items():
        print(f"{f:28} {n:4} rows")


if __name__ == "__main__":
    main()
