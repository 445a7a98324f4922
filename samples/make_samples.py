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

Each planted defect is registered with `Defects.add`, which knows the row a person sees
(Excel row or the CSV line where the record starts) and writes samples/defects.csv;
samples/README.md describes the same list for people. Rows are counted as: header = row 1,
first data row = row 2 (Excel), and for CSV the physical line on which the record starts.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import random
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261123
FIXED_TIME = dt.datetime(2024, 3, 14, 9, 0, 0)

FIRST = [
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "Mateo", "Isabella", "Lucas",
    "Mia", "Ethan", "Amelia", "Aiden", "Harper", "Caleb", "Evelyn", "Owen", "Abigail", "Wyatt",
    "Chloe", "Julian", "Nora", "Isaac", "Layla", "Gabriel", "Zoe", "Miles", "Hannah", "Rowan",
    "Priya", "Kenji", "Fatima", "Tomasz", "Ngozi", "Diego", "Aisha", "Malik", "Ingrid", "Rafael",
]
LAST = [
    "Whitfield", "Calloway", "Brennan", "Okafor", "Lindqvist", "Marchetti", "Delacroix", "Haskins",
    "Ferreira", "Nakamura", "Pembroke", "Vasquez", "Thornbury", "Abernathy", "Kowalczyk", "Mendel",
    "Ashworth", "Rasmussen", "Quintero", "Hollis", "Dunleavy", "Castellano", "Greaves", "Ibarra",
    "Fairbanks", "Oyelaran", "Sandoval", "Whitcombe", "Keating", "Montclair",
]
COMPANIES = [
    "Brightline Dental Studio", "Cedar & Pine Realty", "Summit Ridge Roofing", "Harborview Fitness",
    "Bluewater HVAC Services", "Maple Street Bakery", "Northgate Auto Repair", "Ironwood Legal Group",
    "Sunset Yoga Collective", "Evergreen Landscaping", "Copperleaf Med Spa", "Lakeside Chiropractic",
    "Redwood Insurance Partners", "Granite State Plumbing", "Silverline Mortgage", "Tall Oaks Pet Clinic",
    "Beacon Hill Tutoring", "Crescent Moon Cafe", "Pioneer Solar Installers", "Willow Creek Weddings",
]
STREETS = [
    "Maple Ave", "Oak St", "Cedar Ln", "Elm St", "Pine Rd", "Washington Blvd", "Lakeview Dr",
    "Sunset Blvd", "Park Pl", "Highland Ave", "Mill Rd", "Church St", "River Rd", "Main St",
]
# (city, state, zip, area code, IANA timezone); the ZIPs are real, the street numbers are not.
US_PLACES = [
    ("San Francisco", "CA", "94107", "415", "America/Los_Angeles"),
    ("Boston", "MA", "02134", "617", "America/New_York"),
    ("Austin", "TX", "78701", "512", "America/Chicago"),
    ("Denver", "CO", "80202", "303", "America/Denver"),
    ("Chicago", "IL", "60614", "312", "America/Chicago"),
    ("Seattle", "WA", "98101", "206", "America/Los_Angeles"),
    ("Miami", "FL", "33131", "305", "America/New_York"),
    ("Phoenix", "AZ", "85004", "602", "America/Phoenix"),
    ("Newark", "NJ", "07102", "973", "America/New_York"),
    ("Portland", "OR", "97205", "503", "America/Los_Angeles"),
    ("Nashville", "TN", "37203", "615", "America/Chicago"),
    ("Atlanta", "GA", "30303", "404", "America/New_York"),
]
TAGS = ["customer", "prospect", "newsletter", "vip", "expo 2024", "referral", "webinar", "trial"]
SOURCES = ["Website Form", "Trade Show", "Referral", "Facebook Ads", "Google Ads", "Walk-in"]
LEVELS = ["Bronze", "Silver", "Gold", "Platinum"]
DOMAINS = ["example.com", "example.org", "example.net"]


class Formula:
    """An Excel formula with the value Excel cached for it."""

    def __init__(self, expr: str, cached):
        self.expr, self.cached = expr, cached


class Fmt:
    """A number cell shown through a custom number format (what a person sees differs)."""

    def __init__(self, value, num_format: str):
        self.value, self.num_format = value, num_format


class Blank:
    """A formatted but empty cell (a row Excel keeps although it holds nothing)."""


class Defects:
    """Collects the deliberate defects; row is the row/line a person sees."""

    def __init__(self):
        self.items: list[tuple[str, int, int, str, str, str]] = []

    def add(self, file: str, row: int, record: int, column: str, defect: str, expect: str):
        self.items.append((file, row, record, column, defect, expect))

    def write(self, path: str):
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["file", "row", "record", "column", "defect", "expect"])
            w.writerows(self.items)


DEFECTS = Defects()


# ---------------------------------------------------------------------------------------
# The pool of people every file draws from
# ---------------------------------------------------------------------------------------

def make_people(rng: random.Random, n: int) -> list[dict]:
    people, used_phones, used_emails = [], set(), set()
    while len(people) < n:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, state, zip_, area, tz = rng.choice(US_PLACES)
        local = f"{first}.{last}".lower()
        email = f"{local}@{rng.choice(DOMAINS)}"
        phone = f"{area}555{rng.randint(100, 199):04d}"
        if email in used_emails or phone in used_phones:
            continue
        used_emails.add(email)
        used_phones.add(phone)
        company = rng.choice(COMPANIES)
        people.append({
            "first": first, "last": last, "email": email, "phone": phone,
            "company": company, "title": rng.choice(["Owner", "Office Manager", "Marketing Lead",
                                                     "Director", "Front Desk", "CEO"]),
            "address": f"{rng.randint(10, 9899)} {rng.choice(STREETS)}",
            "city": city, "state": state, "zip": zip_, "country": "US", "tz": tz,
            "dob": dt.date(rng.randint(1952, 2003), rng.randint(1, 12), rng.randint(1, 28)),
            "tags": sorted(rng.sample(TAGS, rng.randint(0, 3))),
            "source": rng.choice(SOURCES),
            "website": f"https://www.{company.split()[0].lower()}.example.com",
            "score": rng.randint(5, 99), "level": rng.choice(LEVELS),
            "created": FIXED_TIME - dt.timedelta(days=rng.randint(1, 900), minutes=rng.randint(0, 1439)),
        })
    return people


def us_fmt(phone: str, style: int) -> str:
    """Render a 10-digit US number in one of the shapes people type."""
    a, b, c = phone[:3], phone[3:6], phone[6:]
    return [f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", phone, f"+1 {a} {b} {c}",
            f"1-{a}-{b}-{c}", f"+1{phone}", f"+1 ({a}) {b}-{c}"][style % 8]


# ---------------------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------------------

def pin_zip(path: str, content_type_fix: tuple[str, str] | None = None):
    """Rewrite a zip with fixed entry times (and optionally one content-type swap)."""
    with zipfile.ZipFile(path) as z:
        entries = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w") as z:
        for info, data in entries:
            if content_type_fix and info.filename == "[Content_Types].xml":
                data = data.replace(content_type_fix[0].encode(), content_type_fix[1].encode())
            new = zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0))
            # ODF demands an uncompressed `mimetype` first; keep each entry's method as it was.
            new.compress_type = info.compress_type
            new.external_attr = 0o644 << 16
            z.writestr(new, data)


def write_csv(name: str, header: list[str], rows: list[list], *, encoding="utf-8", bom=False,
              delimiter=",", newline="\r\n", quoting=csv.QUOTE_MINIMAL, footer: str = "") -> list[int]:
    """Write a CSV; return for each data record the physical line it starts on."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    w.writerow(header)
    starts, line = [], 1 + buf.getvalue().count("\n")
    for r in rows:
        starts.append(line)
        before = len(buf.getvalue())
        w.writerow(["" if v is None else v for v in r])
        line += buf.getvalue()[before:].count("\n")
    text = buf.getvalue() + footer
    data = text.encode(encoding)
    if bom:
        data = (codecs.BOM_UTF16_LE if encoding == "utf-16-le" else codecs.BOM_UTF8) + data
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    return starts


def xlsx_write(path: str, sheet: str, header: list[str], rows: list[list], *, trailing_blank=0,
               col_widths: dict | None = None, extra_sheet: tuple[str, list[list]] | None = None):
    import xlsxwriter

    wb = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_numbers": False,
                                    "strings_to_urls": False})
    wb.set_properties({"title": "Contacts", "author": "Sample Agency", "created": FIXED_TIME})
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
    date_fmt = wb.add_format({"num_format": "mm/dd/yyyy"})
    fill = wb.add_format({"bg_color": "#FFF2CC"})
    ws = wb.add_worksheet(sheet)
    ws.freeze_panes(1, 0)
    ws.write_row(0, 0, header, bold)
    fmts: dict[str, object] = {}
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, Formula):
                ws.write_formula(r, c, v.expr, None, v.cached)
            elif isinstance(v, Fmt):
                fmt = fmts.setdefault(v.num_format, wb.add_format({"num_format": v.num_format}))
                ws.write_number(r, c, v.value, fmt)
            elif isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), date_fmt)
            elif isinstance(v, (int, float)):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, v)
    for k in range(trailing_blank):
        for c in range(len(header)):
            ws.write_blank(len(rows) + 1 + k, c, None, fill)
    if trailing_blank >= 2:
        # Someone "cleared" a cell by typing a space: the row now has a value, a blank one.
        ws.write_string(len(rows) + 2, 0, " ", fill)
    for c, width in (col_widths or {}).items():
        ws.set_column(c, c, width)
    if extra_sheet:
        ws2 = wb.add_worksheet(extra_sheet[0])
        for r, row in enumerate(extra_sheet[1]):
            ws2.write_row(r, 0, row)
    wb.close()


# ---------------------------------------------------------------------------------------
# samples/contacts.xlsx — the quick-start sample
# ---------------------------------------------------------------------------------------

XLSX_HEADER = ["First Name", "Last Name", "Email", "Phone", "Company", "Address", "City", "State",
               "Postal Code", "Country", "Date of Birth", "Tags", "Notes", "Source", "Timezone",
               "Website", "Lead Score", "Membership Level"]


def contacts_xlsx(people: list[dict]):
    name = "contacts.xlsx"
    n = 90
    rows = []
    for i, p in enumerate(people[:n]):
        rows.append([p["first"], p["last"], p["email"], int(p["phone"]), p["company"], p["address"],
                     p["city"], p["state"], p["zip"], "US", p["dob"], ", ".join(p["tags"]), "",
                     p["source"], p["tz"], p["website"], p["score"], p["level"]])
    col = {h: i for i, h in enumerate(XLSX_HEADER)}

    def put(row: int, column: str, value, defect: str, expect: str):
        rows[row - 2][col[column]] = value
        DEFECTS.add(name, row, row - 1, column, defect, expect)

    # Row 3 is the anchor of a duplicate group (rows 3, 45, 52: email, then phone).
    rows[1][col["First Name"]], rows[1][col["Last Name"]] = "Jane", "Doe"
    rows[1][col["Email"]], rows[1][col["Phone"]] = "jane.doe@example.com", 3125550111
    rows[1][col["City"]], rows[1][col["State"]], rows[1][col["Postal Code"]] = "Chicago", "IL", "60614"
    rows[1][col["Timezone"]] = "America/Chicago"
    # Row 2's phone is the target of the phone duplicate on row 48.
    rows[0][col["Phone"]] = 4155550134
    rows[0][col["City"]], rows[0][col["State"]], rows[0][col["Postal Code"]] = "San Francisco", "CA", "94107"
    rows[0][col["Timezone"]] = "America/Los_Angeles"

    put(5, "Email", "priya.nair.example.com", "email without @ (phone is valid)", "reject")
    put(8, "Phone", "(415) 555-0147 ext. 12", "phone with extension 'ext. 12'", "ok")
    put(11, "Phone", "(212) 555-01", "phone too short (8 digits)", "reject")
    put(14, "Phone", "+1 415 555 0173 x204", "phone with extension 'x204'", "ok")
    put(17, "Phone", "1-800-GHL-BULK", "vanity phone with letters (= +18004452855)", "ok")
    put(20, "Country", "United States", "country as an English name", "ok")
    put(23, "Country", "USA", "country as alpha-3", "ok")
    put(26, "Country", "U.K.", "country as 'U.K.' with a UK phone", "ok")
    rows[24][col["Phone"]] = "+44 20 7946 0321"
    rows[24][col["City"]], rows[24][col["State"]], rows[24][col["Postal Code"]] = "London", "", "EC1A 1BB"
    rows[24][col["Timezone"]] = "Europe/London"
    put(29, "Country", "Germany", "country as an English name, German phone in national format", "ok")
    rows[27][col["Phone"]] = "030 1234567"
    rows[27][col["City"]], rows[27][col["State"]], rows[27][col["Postal Code"]] = "Berlin", "", "10117"
    rows[27][col["Timezone"]] = "Europe/Berlin"
    put(32, "Country", "ca", "country code in lower case; Canadian number", "ok")
    rows[30][col["Phone"]] = "613-555-0142"
    rows[30][col["City"]], rows[30][col["State"]], rows[30][col["Postal Code"]] = "Ottawa", "ON", "K1P 1J1"
    rows[30][col["Timezone"]] = "America/Toronto"
    put(35, "Date of Birth", "1985-03-14", "DOB as text YYYY-MM-DD", "ok")
    put(36, "Date of Birth", "03/14/1985", "DOB as text MM/DD/YYYY", "ok")
    put(37, "Date of Birth", "1985/03/14", "DOB as text YYYY/MM/DD", "ok")
    put(38, "Date of Birth", "March 14, 1985", "DOB as text 'Month D, YYYY' (not in the API's list)", "warning")
    put(39, "Date of Birth", "14/03/1985", "DOB as text DD/MM/YYYY: month 14 is invalid", "warning")
    put(40, "Date of Birth", "12-25-1978", "DOB as text MM-DD-YYYY", "ok")
    put(41, "Date of Birth", 31123, "DOB as a plain number (a date serial shown as 31123)", "warning")
    put(42, "Date of Birth", "2031-01-01", "DOB in the future", "warning")
    put(45, "Email", "Jane.Doe@Example.COM", "same email as row 3, different case", "merged")
    rows[43][col["Phone"]] = ""
    put(48, "Phone", "+1 (415) 555-0134", "same phone as row 2 (stored there as the number 4155550134)",
        "merged")
    put(52, "Phone", "312.555.0111", "same phone as row 3, other format (transitive group 3/45/52)",
        "merged")
    rows[50][col["Email"]] = ""
    r = rows[53]
    for k in range(2, len(r)):
        r[k] = ""
    DEFECTS.add(name, 55, 54, "*", "only a name: no email, no phone", "reject")
    put(58, "Notes", '=HYPERLINK("http://example.com/claim","Claim your prize")',
        "formula-injection text (a string cell, not a formula)", "ok")
    put(59, "Company", "+1 cmd|' /C calc'!A0", "formula-injection text starting with '+'", "ok")
    put(60, "Tags", "@SUM(1+1), vip", "tag starting with '@'", "ok")
    put(62, "Lead Score", Formula("=40+32", 72), "formula cell; cached value 72", "ok")
    own = rows[63][col["Phone"]]
    put(65, "Phone", Fmt(own, "(000) 000-0000"),
        f"phone as the number {own} with format (000) 000-0000: Excel shows "
        f"({str(own)[:3]}) {str(own)[3:6]}-{str(own)[6:]}", "ok")
    own = rows[64][col["Phone"]]
    put(66, "Phone", int(f"1{own}"), f"phone as the 11-digit number 1{own}", "ok")
    put(69, "Postal Code", Fmt(2134, "00000"),
        "ZIP stored as the number 2134 shown as 02134 by format 00000", "ok")
    rows[67][col["City"]], rows[67][col["State"]] = "Boston", "MA"
    put(71, "Timezone", "EST", "timezone abbreviation, not an IANA name", "warning")
    put(72, "Timezone", "Eastern Time", "timezone as words", "warning")
    put(74, "Website", "not a website", "website that is not a URL", "warning")
    put(75, "Website", "www.example.com", "website without scheme", "ok")
    put(77, "Tags", "VIP, Expo 2024 ,vip,, customer", "tags with case, spaces, duplicates, an empty item",
        "ok")
    put(79, "Lead Score", "high", "text in a numeric custom field", "warning")
    put(81, "Email", "  mark.lee@example.com ", "email with surrounding spaces", "ok")
    put(83, "First Name", "Ana\u00a0María", "first name with a non-breaking space", "ok")
    put(85, "Email", "sofia@", "email with no domain; no phone", "reject")
    rows[83][col["Phone"]] = ""
    put(87, "Phone", "n/a", "placeholder text in phone; email valid", "reject")
    DEFECTS.add(name, 92, 0, "*", "rows 92-94 are formatted but empty (not data rows)", "skip")
    DEFECTS.add(name, 93, 0, "First Name", "a single space in A93, the rest of the row empty: "
                "extends the sheet's used range, still not a data row", "skip")
    # Boston rows keep their leading-zero ZIP as text "02134": the common, correct case.
    xlsx_write(os.path.join(HERE, name), "Contacts", XLSX_HEADER, rows, trailing_blank=3,
               col_widths={0: 12, 1: 14, 2: 30, 3: 16, 4: 26, 5: 20, 12: 30, 15: 32})
    return len(rows)


# ---------------------------------------------------------------------------------------
# CSV dialects
# ---------------------------------------------------------------------------------------

def tradeshow_leads(people: list[dict], rng: random.Random):
    """Badge-scanner export: UTF-8, comma, CRLF, notes with line breaks, one ragged row."""
    name = "tradeshow_leads.csv"
    header = ["Badge ID", "First Name", "Last Name", "Email", "Phone", "Company", "Job Title",
              "Country", "Interest", "Notes", "Scanned At"]
    interests = ["Local SEO", "Reviews", "Booking widget", "SMS marketing", "Website redesign"]
    rows = []
    for i, p in enumerate(people[100:140]):
        scanned = dt.datetime(2024, 9, 18 + i // 15, 9 + (i % 8), (i * 7) % 60)
        rows.append([f"EXPO24-{1040 + i * 3}", p["first"], p["last"], p["email"],
                     us_fmt(p["phone"], i), p["company"], p["title"], "United States",
                     rng.choice(interests), "", scanned.strftime("%Y-%m-%d %H:%M")])
    rows[3][9] = "Wants a demo next week.\r\nCall after 2pm, asks for Dana."
    rows[7][9] = "Has 3 locations.\r\nCurrent CRM: spreadsheets\r\nBudget approved"
    rows[12][9] = 'Said "call me Bob"'
    rows[20][9] = "Follow up,\r\nsend pricing"
    rows[15][4] = ""
    rows[15][1:4] = [rows[2][1], rows[2][2], rows[2][3].upper()]  # rescanned badge, upper case
    rows[18][4] = "+1" + people[105]["phone"]  # duplicate by phone with record 6
    rows[5][4] = us_fmt(people[105]["phone"], 0)
    rows[25][3] = "no email given"
    rows[25][4] = ""
    rows[30] = rows[30][:8]                    # ragged: scanner dropped the last 3 fields
    rows[33][7] = "Canada"
    rows[33][4] = "(604) 555-0173"
    starts = write_csv(name, header, rows)
    d = lambda rec, col, what, exp: DEFECTS.add(name, starts[rec - 1], rec, col, what, exp)
    d(4, "Notes", "quoted line break inside Notes", "ok")
    d(8, "Notes", "two quoted line breaks inside Notes", "ok")
    d(13, "Notes", "escaped double quotes inside Notes", "ok")
    d(21, "Notes", "comma and line break inside Notes", "ok")
    d(16, "Email", "same person as record 3 scanned again: email upper case, no phone", "merged")
    d(19, "Phone", "same phone as record 6 in E.164 (record 6 has (xxx) xxx-xxxx)", "merged")
    d(26, "Email", "'no email given' and no phone", "reject")
    d(31, "*", "ragged row: 8 fields instead of 11", "ok")
    d(34, "Country", "Canadian lead with country name 'Canada'", "ok")
    return len(rows)


def crm_export_semicolon(rng: random.Random):
    """An old European CRM: UTF-8 with BOM, semicolons, +49/+33 phones, decimal commas."""
    name = "crm_export_semicolon.csv"
    header = ["Customer No", "Salutation", "First name", "Last name", "E-mail", "Phone", "Mobile",
              "Company", "Street", "Zip", "City", "Country", "Birthday", "Revenue", "Created"]
    base = [
        ("Herr", "Jürgen", "Weißmüller", "DE", "Berlin", "10117", "Friedrichstraße 120",
         "+49 30 1234567", "+49 1512 3456789"),
        ("Frau", "Anja", "Köhler", "DE", "München", "80331", "Marienplatz 8",
         "+49 89 1234567", ""),
        ("Mme", "Élodie", "Lefèvre", "FR", "Paris", "75002", "12 rue de la Paix",
         "+33 1 99 00 12 34", "+33 6 12 34 56 78"),
        ("M.", "François", "Dubois", "FR", "Lyon", "69002", "5 place Bellecour",
         "04 65 71 12 34", ""),
        ("Herr", "Lukas", "Brunner", "AT", "Wien", "1010", "Graben 21",
         "+43 1 234567890", ""),
        ("Frau", "Sabine", "Zürcher", "CH", "Zürich", "8001", "Bahnhofstrasse 45",
         "+41 21 234 56 78", "+41 78 123 45 67"),
        ("Sr.", "Álvaro", "Núñez", "ES", "Madrid", "28013", "Calle Mayor 10",
         "+34 912 345 678", ""),
        ("Sig.", "Giulia", "Rossi", "IT", "Milano", "20121", "Via Dante 7",
         "+39 02 1234 5678", "+39 312 345 6789"),
        ("Dhr.", "Daan", "de Vries", "NL", "Amsterdam", "1012 AB", "Damrak 70",
         "+31 20 123 4567", "+31 6 12345678"),
        ("Mevr.", "Lotte", "Janssens", "BE", "Antwerpen", "2000", "Meir 50",
         "+32 12 34 56 78", "+32 470 12 34 56"),
    ]
    rows = []
    for i in range(30):
        sal, first, last, cc, city, zip_, street, phone, mobile = base[i % len(base)]
        if i >= len(base):
            first = ["Jonas", "Marie", "Paul", "Léa", "Felix", "Chloé", "Noah", "Sofía",
                     "Emil", "Inès"][i % 10]
            phone = phone[:-2] + f"{(i * 17) % 100:02d}"
            mobile = ""
        email = (f"{first}.{last}".lower().replace(" ", "")
                 .encode("ascii", "ignore").decode() + f"{i}@example.org")
        bday = dt.date(1950 + rng.randint(0, 50), rng.randint(1, 12), rng.randint(1, 28))
        revenue = f"{rng.randint(100, 99999)},{rng.randint(0, 99):02d}"
        if i % 4 == 0:
            revenue = f"{rng.randint(1, 99)}.{rng.randint(100, 999)},{rng.randint(0, 99):02d}"
        created = dt.datetime(2019, 1, 1) + dt.timedelta(days=rng.randint(0, 1500))
        rows.append([f"K-{10200 + i}", sal, first, last, email, phone, mobile,
                     f"{last} GmbH" if cc in ("DE", "AT", "CH") else f"{last} & Fils" if cc == "FR"
                     else f"{last} S.L." if cc == "ES" else f"{last} B.V." if cc in ("NL", "BE")
                     else f"{last} S.r.l.", street, zip_, city, cc, bday.isoformat(), revenue,
                     created.strftime("%Y-%m-%d")])
    rows[3][11] = "France"
    rows[14][11] = "Deutschland"
    rows[20][12] = "24.12.1978"
    rows[22][12] = ""
    rows[9][4] = "lotte.janssens9@example"
    rows[27][5] = "0049 30 90182099"
    starts = write_csv(name, header, rows, bom=True, delimiter=";")
    d = lambda rec, col, what, exp: DEFECTS.add(name, starts[rec - 1], rec, col, what, exp)
    DEFECTS.add(name, 1, 0, "*", "UTF-8 BOM before the first header", "ok")
    d(4, "Phone", "French national number 04 65 71 12 34; region must come from Country", "ok")
    d(4, "Country", "country as the English name 'France'", "ok")
    d(15, "Country", "country as the German name 'Deutschland'", "warning")
    d(21, "Birthday", "DD.MM.YYYY (24.12.1978): not an accepted format", "warning")
    d(10, "E-mail", "email domain without a dot (lotte.janssens9@example)", "reject")
    d(28, "Phone", "international prefix 0049 instead of +49", "ok")
    return len(rows)


OUTLOOK_HEADER = [
    "Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department",
    "Job Title", "Business Street", "Business Street 2", "Business Street 3", "Business City",
    "Business State", "Business Postal Code", "Business Country/Region", "Home Street",
    "Home Street 2", "Home Street 3", "Home City", "Home State", "Home Postal Code",
    "Home Country/Region", "Other Street", "Other Street 2", "Other Street 3", "Other City",
    "Other State", "Other Postal Code", "Other Country/Region", "Assistant's Phone",
    "Business Fax", "Business Phone", "Business Phone 2", "Callback", "Car Phone",
    "Company Main Phone", "Home Fax", "Home Phone", "Home Phone 2", "ISDN", "Mobile Phone",
    "Other Fax", "Other Phone", "Pager", "Primary Phone", "Radio Phone", "TTY/TDD Phone",
    "Telex", "Account", "Anniversary", "Assistant's Name", "Billing Information", "Birthday",
    "Business Address PO Box", "Categories", "Children", "Directory Server", "E-mail Address",
    "E-mail Type", "E-mail Display Name", "E-mail 2 Address", "E-mail 2 Type",
    "E-mail 2 Display Name", "E-mail 3 Address", "E-mail 3 Type", "E-mail 3 Display Name",
    "Gender", "Government ID Number", "Hobby", "Home Address PO Box", "Initials",
    "Internet Free Busy", "Keywords", "Language", "Location", "Manager's Name", "Mileage",
    "Notes", "Office Location", "Organizational ID Number", "Other Address PO Box", "Priority",
    "Private", "Profession", "Referred By", "Sensitivity", "Spouse", "User 1", "User 2",
    "User 3", "User 4", "Web Page",
]


def outlook_export(people: list[dict]):
    """Outlook 'Export to a file > CSV': Windows-1252, every field quoted, 0/0/00 birthdays."""
    name = "outlook_export_cp1252.csv"
    col = {h: i for i, h in enumerate(OUTLOOK_HEADER)}
    specials = [("José", "Muñoz"), ("Renée", "Béranger"), ("Jürgen", "Müller"), ("Zoë", "O’Brien"),
                ("Iñigo", "Peña"), ("François", "Gérard")]
    rows = []
    for i, p in enumerate(people[150:175]):
        first, last = specials[i] if i < len(specials) else (p["first"], p["last"])
        r = [""] * len(OUTLOOK_HEADER)
        email = p["email"] if i >= len(specials) else f"{first[0]}.{last}{i}@example.com".lower() \
            .replace("’", "").encode("ascii", "ignore").decode()
        r[col["First Name"]], r[col["Last Name"]] = first, last
        r[col["Company"]], r[col["Job Title"]] = p["company"], p["title"]
        r[col["Business Street"]], r[col["Business City"]] = p["address"], p["city"]
        r[col["Business State"]], r[col["Business Postal Code"]] = p["state"], p["zip"]
        r[col["Business Country/Region"]] = "United States of America"
        r[col["Business Phone"]] = us_fmt(p["phone"], 0)
        mobile = people[430 + i]["phone"]  # spare people: phones unique within the pool
        r[col["Mobile Phone"]] = "" if i % 3 else us_fmt(mobile, 0)
        r[col["Anniversary"]] = "0/0/00"
        r[col["Birthday"]] = "0/0/00" if i % 4 else f"{p['dob'].month}/{p['dob'].day}/{p['dob'].year}"
        r[col["Categories"]] = ";".join(t.title() for t in p["tags"])
        r[col["E-mail Address"]], r[col["E-mail Type"]] = email, "SMTP"
        r[col["E-mail Display Name"]] = f"{first} {last} ({email})"
        r[col["Gender"]], r[col["Priority"]], r[col["Private"]] = "Unspecified", "Normal", "False"
        r[col["Sensitivity"]] = "Normal"
        r[col["Initials"]] = f"{first[0]}.{last[0]}."
        rows.append(r)
    rows[3][col["Notes"]] = "Met at the Café Müller mixer – prefers e-mail.\r\nSpouse: Siobhán"
    rows[7][col["Business Phone"]] = ""
    rows[7][col["Mobile Phone"]] = ""
    rows[7][col["Home Phone"]] = "+1 (303) 555-0155"
    rows[10][col["E-mail Address"]] = ""
    rows[10][col["E-mail 2 Address"]] = "second.address@example.net"
    rows[12][col["Business Phone"]] = "(206) 555-0190 ext. 3"
    starts = write_csv(name, OUTLOOK_HEADER, rows, encoding="cp1252", quoting=csv.QUOTE_ALL)
    d = lambda rec, col_, what, exp: DEFECTS.add(name, starts[rec - 1], rec, col_, what, exp)
    d(1, "First Name", "Windows-1252 bytes: é (0xE9), ñ (0xF1) in José Muñoz", "ok")
    d(4, "Last Name", "right single quote ’ (0x92) in O’Brien", "ok")
    d(4, "Notes", "quoted line break; en dash (0x96), ü, á", "ok")
    d(2, "Birthday", "Outlook's empty-date marker 0/0/00 (Birthday and Anniversary, most rows)",
      "ok")
    d(8, "Home Phone", "only a Home Phone; Business and Mobile empty", "ok")
    d(11, "E-mail 2 Address", "E-mail Address empty, only E-mail 2 Address set", "ok")
    d(13, "Business Phone", "phone with extension 'ext. 3'", "ok")
    return len(rows)


def excel_unicode_text(people: list[dict]):
    """Excel 'Save As > Unicode Text': UTF-16 LE with BOM, tab-separated, CRLF rows."""
    name = "excel_unicode_text.txt"
    header = ["First Name", "Last Name", "Email", "Phone", "Company", "City", "State",
              "Postal Code", "Country", "Date of Birth", "Tags", "Notes"]
    intl = [("娜", "李", "li.na@example.com", "+86 10 1234 5678", "CN"),
            ("Σοφία", "Παπαδοπούλου", "sofia.p@example.org", "+30 21 2345 6789", "GR"),
            ("Zoë", "Ångström", "zoe.angstrom@example.net", "+46 8 465 004 12", "SE"),
            ("Björn", "Þórsson", "bjorn.thorsson@example.com", "+354 410 1234", "IS"),
            ("Дмитрий", "Иванов", "dmitry.ivanov@example.org", "", "RU")]
    rows = []
    for i, p in enumerate(people[180:205]):
        rows.append([p["first"], p["last"], p["email"], us_fmt(p["phone"], i + 3), p["company"],
                     p["city"], p["state"], p["zip"], "US", p["dob"].strftime("%m/%d/%Y"),
                     ", ".join(p["tags"]), ""])
    for k, (first, last, email, phone, cc) in enumerate(intl):
        r = rows[2 + k * 4]
        r[0], r[1], r[2], r[3], r[8] = first, last, email, phone, cc
        r[5], r[6], r[7] = "", "", ""
    rows[6][11] = "Prefers WhatsApp 😀\nSpeaks Greek and English"
    rows[9][11] = "Tab\tinside a cell"
    rows[13][4] = 'The "Best" Bakery'
    rows[22][3] = ""
    starts = write_csv(name, header, rows, encoding="utf-16-le", bom=True, delimiter="\t")
    d = lambda rec, col, what, exp: DEFECTS.add(name, starts[rec - 1], rec, col, what, exp)
    DEFECTS.add(name, 1, 0, "*", "UTF-16 LE BOM (FF FE), tab-delimited, CRLF", "ok")
    d(3, "First Name", "Chinese name 李娜 (family name 李 in Last Name), Chinese phone", "ok")
    d(7, "Notes", "emoji (surrogate pair in UTF-16) and a quoted LF inside the cell", "ok")
    d(7, "Last Name", "Greek name", "ok")
    d(10, "Notes", "quoted tab inside a cell", "ok")
    d(14, "Company", "escaped double quotes", "ok")
    d(19, "Phone", "Cyrillic name, no phone (email only)", "ok")
    return len(rows)


def mailchimp_audience(people: list[dict], rng: random.Random):
    """Mailchimp audience export (subscribed): one-cell Address, MM/DD birthdays, quoted TAGS."""
    name = "mailchimp_audience.csv"
    header = ["Email Address", "First Name", "Last Name", "Address", "Phone Number", "Birthday",
              "Company", "MEMBER_RATING", "OPTIN_TIME", "OPTIN_IP", "CONFIRM_TIME", "CONFIRM_IP",
              "LATITUDE", "LONGITUDE", "GMTOFF", "DSTOFF", "TIMEZONE", "CC", "REGION",
              "LAST_CHANGED", "LEID", "EUID", "NOTES", "TAGS"]
    rows = []
    for i, p in enumerate(people[210:245]):
        t = p["created"]
        address = f"{p['address']}  {p['city']}  {p['state']}  {p['zip']}  US" if i % 5 else ""
        tags = ",".join(f'"{x.title()}"' for x in p["tags"])
        rows.append([p["email"], p["first"], p["last"], address,
                     us_fmt(p["phone"], i) if i % 3 else "", f"{p['dob'].month:02d}/{p['dob'].day:02d}",
                     p["company"], rng.randint(1, 5), t.strftime("%Y-%m-%d %H:%M:%S"),
                     f"198.51.100.{rng.randint(1, 254)}", t.strftime("%Y-%m-%d %H:%M:%S"),
                     f"198.51.100.{rng.randint(1, 254)}", "", "", "-5" if p["tz"].endswith("York") else "-6",
                     "-4", p["tz"], "US", p["state"], t.strftime("%Y-%m-%d %H:%M:%S"),
                     str(100000000 + rng.randint(0, 899999999)), f"{rng.getrandbits(40):010x}", "", tags])
    rows[4][4] = "555-0123"
    rows[8][0] = "ELLA.MARSH@EXAMPLE.COM"
    rows[12][5] = ""
    rows[17][0] = "mark..twain@example.com"
    rows[17][4] = us_fmt(people[227]["phone"], 1)
    starts = write_csv(name, header, rows, newline="\n")
    d = lambda rec, col, what, exp: DEFECTS.add(name, starts[rec - 1], rec, col, what, exp)
    d(2, "Address", "whole address in one cell, parts separated by two spaces", "ok")
    d(1, "Address", "empty Address (every 5th record)", "ok")
    d(2, "Birthday", "Mailchimp birthday MM/DD without a year (all records)", "warning")
    tagged = next(k for k, r in enumerate(rows, start=1) if "," in r[-1])
    d(tagged, "TAGS", 'tags as "Tag1","Tag2" inside one cell (each tag double-quoted)', "ok")
    d(5, "Phone Number", "7-digit local number 555-0123 (no area code)", "reject")
    d(9, "Email Address", "email all upper case", "ok")
    d(18, "Email Address", "consecutive dots in the local part", "reject")
    return len(rows)


def hubspot_export(people: list[dict], rng: random.Random):
    """HubSpot contacts export (default properties)."""
    name = "hubspot_export.csv"
    header = ["Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number",
              "Company Name", "Job Title", "Street Address", "City", "State/Region", "Postal Code",
              "Country/Region", "Lifecycle Stage", "Lead Status", "Contact owner", "Create Date",
              "Last Activity Date", "Website URL", "Marketing contact status"]
    states = {"CA": "California", "MA": "Massachusetts", "TX": "Texas", "CO": "Colorado",
              "IL": "Illinois", "WA": "Washington", "FL": "Florida", "AZ": "Arizona",
              "NJ": "New Jersey", "OR": "Oregon", "TN": "Tennessee", "GA": "Georgia"}
    rows = []
    for i, p in enumerate(people[250:285]):
        rows.append([str(51000000000 + rng.randint(0, 999999999)), p["first"], p["last"], p["email"],
                     f"+1 {us_fmt(p['phone'], 1)}" if i % 2 else us_fmt(p["phone"], 2), "",
                     p["company"], p["title"], p["address"], p["city"], states[p["state"]], p["zip"],
                     "United States", rng.choice(["Lead", "Marketing Qualified Lead", "Customer",
                                                  "Subscriber", "Opportunity"]),
                     rng.choice(["New", "Open", "In Progress", "Attempted to Contact", ""]),
                     rng.choice(["Dana Whitaker", "Sam Ortiz", ""]),
                     p["created"].strftime("%Y-%m-%d %H:%M"),
                     (p["created"] + dt.timedelta(days=rng.randint(0, 60))).strftime("%Y-%m-%d %H:%M"),
                     p["website"], rng.choice(["Marketing contact", "Non-marketing contact"])])
    rows[6][4], rows[6][5] = "", us_fmt(people[256]["phone"], 0)
    rows[11][4] = "+1 +1 " + us_fmt(people[261]["phone"], 1)
    rows[19][12] = "Canada"
    rows[19][10] = "Ontario"
    rows[19][4] = "+1 647-555-0139"
    rows[24][3] = rows[2][3]
    starts = write_csv(name, header, rows)
    d = lambda rec, col, what, exp: DEFECTS.add(name, starts[rec - 1], rec, col, what, exp)
    d(2, "Phone Number", "'+1 ' prefix in front of a 123-456-7890 number (odd records)", "ok")
    d(7, "Mobile Phone Number", "only a mobile phone; Phone Number empty", "ok")
    d(12, "Phone Number", "country code typed twice: '+1 +1 415-555-01xx'", "reject")
    d(2, "State/Region", "state as a full name (all records)", "ok")
    d(20, "Country/Region", "Canadian contact, 'Canada', Ontario", "ok")
    d(25, "Email", "same email as record 3 (exact)", "merged")
    return len(rows)


GOOGLE_HEADER = [
    "Name", "Given Name", "Additional Name", "Family Name", "Yomi Name", "Given Name Yomi",
    "Additional Name Yomi", "Family Name Yomi", "Name Prefix", "Name Suffix", "Initials",
    "Nickname", "Short Name", "Maiden Name", "Birthday", "Gender", "Location",
    "Billing Information", "Directory Server", "Mileage", "Occupation", "Hobby", "Sensitivity",
    "Priority", "Subject", "Notes", "Language", "Photo", "Group Membership", "E-mail 1 - Type",
    "E-mail 1 - Value", "E-mail 2 - Type", "E-mail 2 - Value", "Phone 1 - Type", "Phone 1 - Value",
    "Phone 2 - Type", "Phone 2 - Value", "Address 1 - Type", "Address 1 - Formatted",
    "Address 1 - Street", "Address 1 - City", "Address 1 - PO Box", "Address 1 - Region",
    "Address 1 - Postal Code", "Address 1 - Country", "Address 1 - Extended Address",
    "Organization 1 - Type", "Organization 1 - Name", "Organization 1 - Yomi Name",
    "Organization 1 - Title", "Organization 1 - Department", "Organization 1 - Symbol",
    "Organization 1 - Location", "Organization 1 - Job Description", "Website 1 - Type",
    "Website 1 - Value",
]


def google_contacts(people: list[dict]):
    """Google Contacts export, the older 'Google CSV' layout (Given Name / Family Name)."""
    name = "google_contacts.csv"
    col = {h: i for i, h in enumerate(GOOGLE_HEADER)}
    rows = []
    for i, p in enumerate(people[290:320]):
        r = [""] * len(GOOGLE_HEADER)
        r[col["Name"]] = f"{p['first']} {p['last']}"
        r[col["Given Name"]], r[col["Family Name"]] = p["first"], p["last"]
        r[col["Birthday"]] = p["dob"].isoformat() if i % 3 == 0 else ""
        groups = ["* myContacts"] + [t.title() for t in p["tags"]]
        r[col["Group Membership"]] = " ::: ".join(groups)
        r[col["E-mail 1 - Type"]], r[col["E-mail 1 - Value"]] = "* Work", p["email"]
        r[col["Phone 1 - Type"]], r[col["Phone 1 - Value"]] = "Mobile", us_fmt(p["phone"], 4)
        r[col["Address 1 - Type"]] = "Work"
        r[col["Address 1 - Formatted"]] = f"{p['address']}\n{p['city']}, {p['state']} {p['zip']}\nUS"
        r[col["Address 1 - Street"]], r[col["Address 1 - City"]] = p["address"], p["city"]
        r[col["Address 1 - Region"]], r[col["Address 1 - Postal Code"]] = p["state"], p["zip"]
        r[col["Address 1 - Country"]] = "US"
        r[col["Organization 1 - Type"]], r[col["Organization 1 - Name"]] = "", p["company"]
        r[col["Organization 1 - Title"]] = p["title"]
        rows.append(r)
    rows[4][col["Phone 1 - Value"]] = f"{us_fmt(people[294]['phone'], 4)} ::: {us_fmt(people[295]['phone'], 0)}"
    rows[7][col["Birthday"]] = "--03-14"
    rows[9][col["E-mail 1 - Value"]] = f"{people[299]['email']} ::: {people[299]['first'].lower()}@example.net"
    r = rows[14]
    for k in range(len(r)):
        if k not in (col["Name"], col["Given Name"], col["Family Name"], col["Group Membership"]):
            r[k] = ""
    rows[20][col["Phone 2 - Type"]], rows[20][col["Phone 2 - Value"]] = "Home", "+44 20 7946 0102"
    starts = write_csv(name, GOOGLE_HEADER, rows)
    d = lambda rec, col_, what, exp: DEFECTS.add(name, starts[rec - 1], rec, col_, what, exp)
    d(1, "Group Membership", "labels joined by ' ::: ', always '* myContacts' first", "ok")
    d(1, "Address 1 - Formatted", "quoted line breaks (LF) inside the formatted address", "ok")
    d(5, "Phone 1 - Value", "two numbers in one cell joined by ' ::: '", "reject")
    d(8, "Birthday", "Google's yearless birthday --03-14", "warning")
    d(10, "E-mail 1 - Value", "two emails in one cell joined by ' ::: '", "reject")
    d(15, "*", "name and label only: no email, no phone", "reject")
    d(21, "Phone 2 - Value", "second phone (UK) in Phone 2", "ok")
    return len(rows)


def salesforce_report(people: list[dict], rng: random.Random):
    """Salesforce 'Export Details' of a leads report: all fields quoted, footer lines at the end."""
    name = "salesforce_report.csv"
    header = ["Lead Owner", "First Name", "Last Name", "Title", "Company / Account", "Email", "Phone",
              "Mobile", "Street", "City", "State/Province", "Zip/Postal Code", "Country",
              "Lead Source", "Lead Status", "Rating", "Create Date"]
    rows = []
    for i, p in enumerate(people[325:355]):
        rows.append([rng.choice(["Dana Whitaker", "Sam Ortiz"]), p["first"], p["last"], p["title"],
                     p["company"], p["email"], us_fmt(p["phone"], 0), "", p["address"], p["city"],
                     p["state"], p["zip"], "USA", rng.choice(["Web", "Trade Show", "Partner Referral",
                                                               "Phone Inquiry"]),
                     rng.choice(["Open - Not Contacted", "Working - Contacted", "Closed - Converted"]),
                     rng.choice(["Hot", "Warm", "Cold", ""]),
                     f"{p['created'].month}/{p['created'].day}/{p['created'].year}"])
    rows[6][5] = "sales@example.com"
    rows[7][5] = "sales@example.com"
    rows[7][6] = ""
    rows[16][6] = "(999) 555-0100"
    footer = ('""\r\n"Leads by Source"\r\n'
              '"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved."\r\n'
              '"Confidential Information - Do Not Distribute"\r\n'
              '"Generated By:  Dana Whitaker  3/14/2024, 9:21 AM"\r\n"Sample Agency LLC"\r\n')
    starts = write_csv(name, header, rows, quoting=csv.QUOTE_ALL, footer=footer)
    d = lambda rec, col, what, exp: DEFECTS.add(name, starts[rec - 1], rec, col, what, exp)
    d(2, "Country", "country as alpha-3 'USA' (all records)", "ok")
    d(8, "Email", "shared mailbox sales@example.com, same as record 7 (two people, one email)",
      "merged")
    d(17, "Phone", "area code 999 does not exist", "reject")
    last = starts[-1] + 1
    DEFECTS.add(name, last, 0, "*", 'report footer starts: a line holding only "" (an empty row)',
                "skip")
    for k, what in enumerate(["report name", "copyright line", "confidentiality line",
                              "generated-by line", "organisation name"], start=1):
        DEFECTS.add(name, last + k, len(rows) + k, "*",
                    f"Salesforce report footer ({what}): one field, not a contact", "reject")
    return len(rows)


def highlevel_export(people: list[dict], rng: random.Random):
    """A HighLevel contacts export, for export -> edit -> import round trips."""
    name = "highlevel_export.csv"
    header = ["Contact Id", "First Name", "Last Name", "Phone", "Email", "Business Name", "Created",
              "Last Activity", "Tags", "Source", "Lead Score"]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    rows = []
    for i, p in enumerate(people[360:390]):
        cid = "".join(rng.choice(alphabet) for _ in range(20))
        last = p["created"] + dt.timedelta(days=rng.randint(0, 90), seconds=rng.randint(0, 86399))
        rows.append([cid, p["first"], p["last"], "+1" + p["phone"] if i % 6 else "", p["email"],
                     p["company"], p["created"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                     last.strftime("%Y-%m-%dT%H:%M:%SZ") if i % 4 else "",
                     ",".join(p["tags"]), p["source"].lower(), str(p["score"])])
    rows[9][4] = ""
    rows[13][0] = ""
    starts = write_csv(name, header, rows)
    d = lambda rec, col, what, exp: DEFECTS.add(name, starts[rec - 1], rec, col, what, exp)
    d(1, "Phone", "no phone (every 6th record), email only", "ok")
    d(2, "Tags", "tags comma-separated inside one quoted cell, lower case", "ok")
    d(10, "Email", "phone only, no email", "ok")
    d(14, "Contact Id", "empty Contact Id (a contact added by hand to the export)", "ok")
    return len(rows)


# ---------------------------------------------------------------------------------------
# Other workbook formats: leads.xls (BIFF8), leads.ods, leads.xlsm
# ---------------------------------------------------------------------------------------

LEADS_HEADER = ["First Name", "Last Name", "Email", "Phone", "Company", "City", "State",
                "Postal Code", "Country", "Date of Birth", "Opted In", "Tags"]


def leads_rows(people: list[dict]) -> list[list]:
    """Shared by the three workbook formats; typed cells (int phone, date DOB, bool opt-in)."""
    rows = []
    for i, p in enumerate(people[395:425]):
        rows.append([p["first"], p["last"], p["email"], int(p["phone"]), p["company"], p["city"],
                     p["state"], p["zip"], "US", p["dob"], i % 3 != 0, ", ".join(p["tags"])])
    rows[4][3] = "+1 (503) 555-0117"
    rows[6][9] = "07/04/1976"
    rows[9][2] = "kim.ortega@example"
    rows[12][3] = 14155550161
    rows[15][0] = "  Grace  "
    rows[15][1] = "hopper"
    rows[18][3] = 4155550
    return rows


def leads_defects(name: str, error_cell: bool):
    d = lambda row, col, what, exp: DEFECTS.add(name, row, row - 1, col, what, exp)
    d(2, "Phone", "phones stored as numbers (most rows): must read 4155550134, not 4155550134.0", "ok")
    d(2, "Date of Birth", "DOB as real date cells (most rows)", "ok")
    d(2, "Opted In", "boolean cells TRUE/FALSE", "ok")
    d(6, "Phone", "phone as text +1 (503) 555-0117 among numeric phones", "ok")
    d(8, "Date of Birth", "DOB as text 07/04/1976 among date cells", "ok")
    d(11, "Email", "email domain without a dot (kim.ortega@example)", "reject")
    d(14, "Phone", "phone as the 11-digit number 14155550161", "ok")
    d(17, "First Name", "name with spaces around; last name in lower case", "ok")
    d(20, "Phone", "phone number 4155550 (7 digits, truncated)", "reject")
    if error_cell:
        d(23, "Phone", "error cell #N/A in Phone (a broken VLOOKUP); email valid", "reject")


def leads_xls(people: list[dict]):
    import xlwt

    name = "leads.xls"
    rows = leads_rows(people)
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Leads")
    bold = xlwt.easyxf("font: bold on")
    date_style = xlwt.easyxf(num_format_str="MM/DD/YYYY")
    for c, h in enumerate(LEADS_HEADER):
        ws.write(0, c, h, bold)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if r == 22 and c == 3:
                # 0x2A is #N/A, Excel's "value not available" error code.
                ws.row(r).set_cell_error(c, 0x2A)
            elif isinstance(v, dt.date):
                ws.write(r, c, dt.datetime(v.year, v.month, v.day), date_style)
            elif v != "":
                ws.write(r, c, v)
    info = wb.add_sheet("Read me")
    info.write(0, 0, "Leads from the spring open house. Phones were typed into number cells.")
    wb.save(os.path.join(HERE, name))
    leads_defects(name, error_cell=True)
    DEFECTS.add(name, 1, 0, "*", "second sheet 'Read me' holds a note, not contacts", "skip")
    return len(rows)


def leads_xlsm(people: list[dict]):
    name = "leads.xlsm"
    path = os.path.join(HERE, name)
    rows = leads_rows(people)
    rows = [[("TRUE" if v else "FALSE") if isinstance(v, bool) else v for v in r] for r in rows]
    xlsx_write(path, "Leads", LEADS_HEADER, rows)
    # A macro-enabled workbook without macros, as Excel saves one: only the main part's
    # content type differs from .xlsx (no vbaProject.bin is needed).
    pin_zip(path, ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                   "application/vnd.ms-excel.sheet.macroEnabled.main+xml"))
    leads_defects(name, error_cell=False)
    DEFECTS.add(name, 2, 1, "Opted In", "in this file Opted In is the text TRUE/FALSE, not booleans",
                "ok")
    return len(rows)


def leads_ods(people: list[dict]):
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableColumnProperties
    from odf.table import CoveredTableCell, Table, TableCell, TableColumn, TableRow
    from odf.text import P

    name = "leads.ods"
    rows = leads_rows(people)
    doc = OpenDocumentSpreadsheet()
    doc.meta.addElement(__import__("odf.meta", fromlist=["CreationDate"]).CreationDate(
        text=FIXED_TIME.isoformat()))
    wide = Style(name="co1", family="table-column")
    wide.addElement(TableColumnProperties(columnwidth="1.2in"))
    doc.automaticstyles.addElement(wide)
    table = Table(name="Leads")
    table.addElement(TableColumn(stylename=wide, numbercolumnsrepeated=len(LEADS_HEADER)))

    def text_cell(v: str, **kw):
        cell = TableCell(valuetype="string", **kw)
        cell.addElement(P(text=v))
        return cell

    head = TableRow()
    for h in LEADS_HEADER:
        head.addElement(text_cell(h))
    table.addElement(head)
    for r, row in enumerate(rows, start=2):
        tr = TableRow()
        c = 0
        while c < len(row):
            v = row[c]
            if v == "" or v is None:
                # LibreOffice writes a run of empty cells as one repeated cell.
                run = 1
                while c + run < len(row) and row[c + run] in ("", None):
                    run += 1
                tr.addElement(TableCell(numbercolumnsrepeated=run) if run > 1 else TableCell())
                c += run
                continue
            if isinstance(v, bool):
                cell = TableCell(valuetype="boolean", booleanvalue="true" if v else "false")
                cell.addElement(P(text="TRUE" if v else "FALSE"))
            elif isinstance(v, dt.date):
                cell = TableCell(valuetype="date", datevalue=v.isoformat())
                cell.addElement(P(text=v.strftime("%m/%d/%Y")))
            elif isinstance(v, int):
                cell = TableCell(valuetype="float", value=str(v))
                cell.addElement(P(text=str(v)))
            else:
                cell = text_cell(v)
            tr.addElement(cell)
            c += 1
        table.addElement(tr)
    # Row 23: the City cell spans two columns (merged), State is the covered cell.
    merged = table.getElementsByType(TableRow)[22]
    cells = merged.getElementsByType(TableCell)
    cells[5].setAttribute("numbercolumnsspanned", "2")
    covered = CoveredTableCell()
    merged.insertBefore(covered, cells[6])
    merged.removeChild(cells[6])
    # LibreOffice keeps formatted empty rows at the end as one repeated row.
    trailing = TableRow(numberrowsrepeated=5)
    trailing.addElement(TableCell(numbercolumnsrepeated=len(LEADS_HEADER)))
    table.addElement(trailing)
    doc.spreadsheet.addElement(table)
    path = os.path.join(HERE, name)
    doc.save(path)
    pin_zip(path)
    leads_defects(name, error_cell=False)
    DEFECTS.add(name, 2, 1, "*", "runs of empty cells stored as one cell with "
                "number-columns-repeated", "ok")
    DEFECTS.add(name, 23, 22, "City", "City merged across City+State (State is a covered cell)",
                "ok")
    DEFECTS.add(name, 32, 0, "*", "a trailing empty row repeated 5 times (number-rows-repeated)",
                "skip")
    return len(rows)


# ---------------------------------------------------------------------------------------
# README, read-back check, main
# ---------------------------------------------------------------------------------------

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
- **Salesforce** report exports end with a blank line and five one-field footer lines.
- **HighLevel** export: `Created`/`Last Activity` are ISO-8601 UTC here; the exact header set
  and date format of a real export vary by account and version (not documented publicly).

## Planted defects

`row` is what a person sees: the Excel row number (header = 1), or for a text file the line on
which the record starts (header = line 1; records with quoted line breaks span several lines).
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
        "highlevel_export.csv": ("utf-8", ","),
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
    }
    DEFECTS.write(os.path.join(HERE, "defects.csv"))
    write_readme(counts)
    read_back(counts)
    for f, n in counts.items():
        print(f"{f:28} {n:4} rows")


if __name__ == "__main__":
    main()
