"""Vendor exports with their real header conventions: Mailchimp, HubSpot, Google, Salesforce, HighLevel."""

from __future__ import annotations

import csv
import datetime as dt
import random

from .common import DEFECTS, us_fmt, write_csv


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
