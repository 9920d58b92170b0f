"""Read a spreadsheet (CSV or XLSX) into a header and rows of strings.

Excel on a Chinese Windows saves "CSV" as GBK (really GB18030's subset), Excel's "CSV UTF-8" adds a
BOM, and scripts write plain UTF-8. We try UTF-8 (BOM-aware) first, because GB18030 decodes almost
any byte string without error and would garble UTF-8 text silently; GB18030 is the fallback.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path


class TableError(ValueError):
    """The file as a whole cannot be read (wrong format, no header): a 400 or 415, never a 500."""


def decode_csv(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise TableError("the CSV is neither UTF-8 nor GBK/GB18030; save it as 'CSV UTF-8'") from exc


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def read_xlsx(data: bytes) -> list[list[str]]:
    import openpyxl  # noqa: PLC0415 - only XLSX imports need it

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file
        raise TableError(f"not a readable XLSX workbook ({type(exc).__name__})") from exc
    ws = wb.worksheets[0]
    rows = [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
    wb.close()
    return rows


def read_table(data: bytes, filename: str) -> tuple[list[str], list[list[str]]]:
    """(header, data rows). Rows keep their position: data row i is spreadsheet row i + 2."""
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm") or data[:2] == b"PK":
        rows = read_xlsx(data)
    elif suffix in (".csv", ".txt", "") :
        text = decode_csv(data)
        rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text, newline=""))]
    else:
        raise TableError(f"{filename}: unsupported file type {suffix!r}; send .csv or .xlsx")
    if not rows or not any(rows[0]):
        raise TableError(f"{filename}: no header row")
    header = [h.strip() for h in rows[0]]
    return header, rows[1:]
