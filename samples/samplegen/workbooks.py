"""The other workbook formats: leads.xls (BIFF8), leads.ods, leads.xlsm."""

from __future__ import annotations

import datetime as dt
import os

from .common import DEFECTS, FIXED_TIME, HERE, pin_zip, xlsx_write


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
