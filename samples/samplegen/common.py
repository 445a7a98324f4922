"""Shared data pool, defect register and file writers for the sample builders."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import random
import zipfile

# The samples/ folder: every file is written there.
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
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
    """Write a CSV; return for each data record the row Excel shows it on (header = row 1; a
    record whose quoted cells hold line breaks is still one row)."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    w.writerow(header)
    starts = []
    for row, r in enumerate(rows, start=2):
        starts.append(row)
        w.writerow(["" if v is None else v for v in r])
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
