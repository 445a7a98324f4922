"""CSV dialects: trade-show scanner, European CRM (BOM, ;), Outlook (cp1252), Excel Unicode Text."""

from __future__ import annotations

import csv
import datetime as dt
import random

from .common import DEFECTS, us_fmt, write_csv


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
