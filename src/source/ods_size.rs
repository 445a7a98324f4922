//! How much memory calamine will take to build an ODS workbook, estimated from content.xml
//! before it does. calamine reads every sheet whole and expands `table:number-rows-repeated`
//! and `table:number-columns-repeated` into real cells (each about 56 bytes, twice: once while
//! reading, once in the finished sheet, plus each cell's text per copy). An 828-byte file of
//! repeated rows and columns asks for ~100 M cells that way; this pass walks the same XML
//! with the same rules (repeats of empty cells count only before a non-empty one, rows capped
//! at 1,048,576 and columns at 16,384, trailing empty rows not expanded) and refuses the file
//! when the estimate passes [`BUDGET`].

use std::io::{BufReader, Read};

use quick_xml::events::{BytesStart, Event};

/// What calamine may spend on an ODS: 1 GiB (about 9 M cells). A spreadsheet that needs more
/// reads fine once saved as xlsx or CSV, which are read row by row.
const BUDGET: u64 = 1 << 30;
/// calamine's per-cell cost in a row being read (a `Data` and a formula `String`).
const CELL_BYTES: u64 = 56;
const MAX_ROWS: u64 = 1_048_576;
const MAX_COLUMNS: u64 = 16_384;

/// Per sheet: rows so far, and the span and width of its non-empty rows.
#[derive(Default)]
struct Sheet {
    rows: u64,
    first_used: Option<u64>,
    used_end: u64,
    widest: u64,
}

/// Per row being read.
#[derive(Default)]
struct Row {
    repeats: u64,
    cells: u64,
    pending_empty: u64,
    text: u64,
}

/// `Err(Some(why))` when the workbook would take more than the budget; `Err(None)` when the
/// XML is damaged (calamine reports that itself).
pub(super) fn check(part: impl Read) -> Result<(), Option<String>> {
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(part));
    let mut buf = Vec::new();
    let mut spent = 0u64;
    let mut sheet = Sheet::default();
    let mut row = Row::default();
    // Text bytes of the cell being read, and its column repeats.
    let mut cell: Option<(u64, u64)> = None;
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|_| None)?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.name().as_ref() {
                    b"table:table" => {
                        spent = spent.saturating_add(sheet_cost(&sheet));
                        sheet = Sheet::default();
                    }
                    b"table:table-row" => {
                        let repeats = number(e, b"table:number-rows-repeated")?;
                        let repeats = repeats.min(MAX_ROWS.saturating_sub(sheet.rows));
                        row = Row {
                            repeats,
                            ..Row::default()
                        };
                        if empty {
                            sheet.rows += repeats;
                        }
                    }
                    b"table:table-cell" | b"table:covered-table-cell" => {
                        let repeats = number(e, b"table:number-columns-repeated")?;
                        let room = MAX_COLUMNS.saturating_sub(row.cells);
                        let pending = row.pending_empty.min(room);
                        let repeats = repeats.min(room.saturating_sub(pending));
                        if has_value(e) {
                            row.cells += pending + repeats;
                            row.pending_empty = 0;
                            let attributes = e.attributes().flatten().map(|a| a.value.len());
                            let text = attributes.sum::<usize>() as u64;
                            row.text = row.text.saturating_add(text.saturating_mul(repeats));
                            cell = (!empty).then_some((0, repeats));
                        } else {
                            row.pending_empty = repeats;
                            cell = None;
                        }
                    }
                    b"text:s" => {
                        if let Some((text, _)) = &mut cell {
                            *text = text.saturating_add(number(e, b"text:c")?);
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) => {
                if let Some((text, _)) = &mut cell {
                    *text = text.saturating_add(t.len() as u64);
                }
            }
            Event::End(e) => match e.name().as_ref() {
                b"table:table-cell" | b"table:covered-table-cell" => {
                    if let Some((text, repeats)) = cell.take() {
                        row.text = row.text.saturating_add(text.saturating_mul(repeats));
                    }
                }
                b"table:table-row" => {
                    let start = sheet.rows;
                    sheet.rows += row.repeats;
                    spent = spent.saturating_add(row.cells * CELL_BYTES + row.text);
                    if row.cells > 0 {
                        sheet.first_used.get_or_insert(start);
                        sheet.used_end = sheet.rows;
                        sheet.widest = sheet.widest.max(row.cells);
                        let copy = row.cells * CELL_BYTES + row.text;
                        spent = spent.saturating_add(copy.saturating_mul(row.repeats));
                    }
                }
                b"table:table" => {
                    spent = spent.saturating_add(sheet_cost(&sheet));
                    sheet = Sheet::default();
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        if spent > BUDGET {
            return Err(Some(format!(
                "its repeated rows and columns expand to more than {} MiB of cells; save it \
                 as xlsx or CSV, or remove the formatting that repeats to the sheet's end",
                BUDGET >> 20
            )));
        }
        buf.clear();
    }
    Ok(())
}

/// The finished sheet: a rectangle from its first to its last non-empty row, as wide as its
/// widest one.
fn sheet_cost(sheet: &Sheet) -> u64 {
    let Some(first) = sheet.first_used else {
        return 0;
    };
    (sheet.used_end - first)
        .saturating_mul(sheet.widest)
        .saturating_mul(CELL_BYTES)
}

/// Whether calamine keeps the cell (a value, a formula or a string type).
fn has_value(e: &BytesStart<'_>) -> bool {
    e.attributes().flatten().any(|a| match a.key.as_ref() {
        b"office:value"
        | b"office:string-value"
        | b"office:date-value"
        | b"office:time-value"
        | b"office:boolean-value"
        | b"table:formula" => true,
        b"office:value-type" => a.value.as_ref() == b"string",
        _ => false,
    })
}

/// A repeat count attribute (1 when absent); a value that is not a number is damage.
fn number(e: &BytesStart<'_>, key: &[u8]) -> Result<u64, Option<String>> {
    match e.attributes().flatten().find(|a| a.key.as_ref() == key) {
        None => Ok(1),
        Some(a) => std::str::from_utf8(&a.value)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .ok_or(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(body: &str) -> String {
        format!(
            "<office:document-content><office:body><office:spreadsheet>{body}\
             </office:spreadsheet></office:body></office:document-content>"
        )
    }

    #[test]
    fn repeated_rows_and_columns_past_the_budget_are_refused() {
        let xml = content(
            "<table:table table:name=\"S\"><table:table-row table:number-rows-repeated=\"10000\">\
             <table:table-cell table:number-columns-repeated=\"10000\" office:value-type=\"float\" \
             office:value=\"1\"/></table:table-row></table:table>",
        );
        assert!(matches!(check(xml.as_bytes()), Err(Some(_))));
    }

    #[test]
    fn trailing_formatted_rows_and_columns_cost_nothing() {
        let xml = content(
            "<table:table table:name=\"S\"><table:table-row>\
             <table:table-cell office:value-type=\"string\"><text:p>Email</text:p></table:table-cell>\
             <table:table-cell table:number-columns-repeated=\"16383\"/></table:table-row>\
             <table:table-row table:number-rows-repeated=\"1048575\">\
             <table:table-cell table:number-columns-repeated=\"16384\"/></table:table-row>\
             </table:table>",
        );
        assert_eq!(check(xml.as_bytes()), Ok(()));
    }
}
