"""samples/contacts.xlsx, the quick-start workbook with its planted defects."""

from __future__ import annotations

import os

from .common import DEFECTS, HERE, Fmt, Formula, xlsx_write


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

    def relocate(index: int, phone, city: str, state: str, postal: str, tz: str):
        """Gives the person on rows[index] this phone, place and timezone."""
        for column, value in (("Phone", phone), ("City", city), ("State", state),
                              ("Postal Code", postal), ("Timezone", tz)):
            rows[index][col[column]] = value

    # Row 3 is the anchor of a duplicate group (rows 3, 45, 52: email, then phone).
    rows[1][col["First Name"]], rows[1][col["Last Name"]] = "Jane", "Doe"
    rows[1][col["Email"]] = "jane.doe@example.com"
    relocate(1, 3125550111, "Chicago", "IL", "60614", "America/Chicago")
    # Row 2's phone is the target of the phone duplicate on row 48.
    relocate(0, 4155550134, "San Francisco", "CA", "94107", "America/Los_Angeles")

    put(5, "Email", "priya.nair.example.com", "email without @ (phone is valid)", "reject")
    put(8, "Phone", "(415) 555-0147 ext. 12", "phone with extension 'ext. 12'", "ok")
    put(11, "Phone", "(212) 555-01", "phone too short (8 digits)", "reject")
    put(14, "Phone", "+1 415 555 0173 x204", "phone with extension 'x204'", "ok")
    put(17, "Phone", "1-800-GHL-BULK", "vanity phone with letters (= +18004452855)", "ok")
    put(20, "Country", "United States", "country as an English name", "ok")
    put(23, "Country", "USA", "country as alpha-3", "ok")
    put(26, "Country", "U.K.", "country as 'U.K.' with a UK phone", "ok")
    relocate(24, "+44 20 7946 0321", "London", "", "EC1A 1BB", "Europe/London")
    put(29, "Country", "Germany", "country as an English name, German phone in national format", "ok")
    relocate(27, "030 1234567", "Berlin", "", "10117", "Europe/Berlin")
    put(32, "Country", "ca", "country code in lower case; Canadian number", "ok")
    relocate(30, "613-555-0142", "Ottawa", "ON", "K1P 1J1", "America/Toronto")
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
