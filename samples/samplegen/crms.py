"""CRM exports `mapping init` must recognise: Pipedrive people, Zoho CRM contacts, and a
trade-show workbook whose header sits below title rows. Each uses its own seeded Random so
that adding it changes no other file."""

from __future__ import annotations

import datetime as dt
import os
import random

from .common import DEFECTS, FIXED_TIME, HERE, SEED, pin_zip, us_fmt, write_csv


def pipedrive_people(people: list[dict]):
    """Pipedrive People list export (CSV): `Person - …` and `Organization - …` headers, several
    email and phone columns, a whole-name column, labels."""
    rng = random.Random(SEED + 1)
    name = "pipedrive_people.csv"
    header = ["Person - ID", "Person - Name", "Person - Label", "Person - Organization",
              "Person - Email - Work", "Person - Email - Home", "Person - Email - Other",
              "Person - Phone - Work", "Person - Phone - Home", "Person - Phone - Mobile",
              "Person - Phone - Other", "Person - Owner", "Person - Open deals",
              "Person - Closed deals", "Person - Visible to", "Person - Add time",
              "Person - Update time", "Organization - Name", "Organization - Address"]
    labels = ["Customer", "Hot lead", "Warm lead", "Cold lead"]
    rows = []
    for i, p in enumerate(people[425:443]):
        t = p["created"]
        work_mail, home_mail = (p["email"], "") if i % 4 else ("", p["email"])
        phone = us_fmt(p["phone"], i)
        # Most have a mobile; some only a work or a home number (the mobile column empty).
        work, home, mobile = [(phone, "", ""), ("", phone, ""), ("", "", phone)][
            0 if i % 5 == 1 else 1 if i % 7 == 3 else 2]
        label = ", ".join(sorted(rng.sample(labels, 2))) if i % 6 == 0 else rng.choice(labels)
        org_address = f"{p['address']}, {p['city']}, {p['state']} {p['zip']}, USA"
        rows.append([str(1200 + i), f"{p['first']} {p['last']}", label, p["company"],
                     work_mail, home_mail, "", work, home, mobile, "",
                     rng.choice(["Dana Whitaker", "Sam Ortiz"]), str(rng.randint(0, 3)),
                     str(rng.randint(0, 5)), "Entire company", t.strftime("%Y-%m-%d %H:%M:%S"),
                     (t + dt.timedelta(days=rng.randint(1, 90))).strftime("%Y-%m-%d %H:%M:%S"),
                     p["company"], org_address])
    starts = write_csv(name, header, rows)
    d = lambda rec, col, what, exp: DEFECTS.add(name, starts[rec - 1], rec, col, what, exp)
    d(1, "Person - Email - Home", "email only in the Home column (every 4th record)", "ok")
    d(2, "Person - Phone - Work", "phone only in the Work column, Mobile empty", "ok")
    d(1, "Person - Label", "two labels in one cell, comma-separated", "ok")
    return len(rows)


def zoho_contacts(people: list[dict]):
    """Zoho CRM Contacts export (CSV): `Mailing …` address, `Mobile` next to `Phone`,
    `Account Name`, `Email Opt Out` as true/false, `Tag`."""
    name = "zoho_contacts.csv"
    header = ["Record Id", "Contact Owner", "Lead Source", "First Name", "Last Name",
              "Account Name", "Email", "Title", "Department", "Phone", "Home Phone",
              "Other Phone", "Fax", "Mobile", "Date of Birth", "Email Opt Out", "Created Time",
              "Modified Time", "Mailing Street", "Mailing City", "Mailing State", "Mailing Zip",
              "Mailing Country", "Description", "Secondary Email", "Tag"]
    rows = []
    for i, p in enumerate(people[443:460]):
        t = p["created"]
        phone = us_fmt(p["phone"], i + 3)
        work, mobile = (phone, "") if i % 4 == 2 else ("", phone)
        rows.append([f"zcrm_57257670000004{23000 + i:05d}", "Dana Whitaker", p["source"],
                     p["first"], p["last"], p["company"], p["email"], p["title"], "", work, "",
                     "", "", mobile, p["dob"].isoformat() if i % 3 else "",
                     "true" if i % 8 == 5 else "false", t.strftime("%Y-%m-%d %H:%M:%S"),
                     t.strftime("%Y-%m-%d %H:%M:%S"), p["address"], p["city"], p["state"],
                     p["zip"], "United States", "", "", ",".join(x.title() for x in p["tags"])])
    starts = write_csv(name, header, rows)
    d = lambda rec, col, what, exp: DEFECTS.add(name, starts[rec - 1], rec, col, what, exp)
    d(3, "Phone", "phone only in Phone, Mobile empty (every 4th record from the 3rd)", "ok")
    d(2, "Mailing Zip", "ZIP in Mailing Zip (all records)", "ok")
    return len(rows)


def expo_badges_xlsx(people: list[dict]):
    """A lead-retrieval app's workbook: two title rows and a blank row above the header."""
    import xlsxwriter

    name = "expo_badges.xlsx"
    path = os.path.join(HERE, name)
    header = ["Badge ID", "First Name", "Last Name", "Company", "Job Title", "Email", "Mobile",
              "Work Phone", "Country", "Interest", "Notes", "Scanned At"]
    wb = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_numbers": False,
                                    "strings_to_urls": False})
    wb.set_properties({"title": "Badge scans", "author": "Lead Retrieval", "created": FIXED_TIME})
    title = wb.add_format({"bold": True, "font_size": 14})
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7"})
    ws = wb.add_worksheet("Scans")
    ws.merge_range(0, 0, 0, 5, "Expo 2026 - Badge scans", title)
    ws.write_string(1, 0, "Exported 2026-09-18 17:05 by Lead Retrieval")
    ws.write_row(3, 0, header, bold)
    rows = []
    for i, p in enumerate(people[100:120]):
        phone = us_fmt(p["phone"], i)
        mobile, work = (phone, "") if i % 5 != 3 else ("", phone)
        email = "" if i % 9 == 4 else p["email"]
        scanned = dt.datetime(2026, 9, 18, 9, 0) + dt.timedelta(minutes=23 * i)
        rows.append([f"EXPO26-{2040 + i}", p["first"], p["last"], p["company"], p["title"], email,
                     mobile, work, "United States", ["Reviews", "SMS marketing", "Booking widget"][i % 3],
                     "", scanned.strftime("%Y-%m-%d %H:%M")])
    for r, row in enumerate(rows, start=4):
        for c, v in enumerate(row):
            if v:
                ws.write_string(r, c, v)
    ws.set_column(0, len(header) - 1, 16)
    wb.close()
    pin_zip(path)
    # Record numbers here would count from a header in row 1: only the title rows are listed.
    DEFECTS.add(name, 1, 0, "Badge ID",
                "title rows 1-2 and a blank row 3 above the header (row 4): header_row = 4", "skip")
    return len(rows)
