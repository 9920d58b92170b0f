"""Read a spreadsheet (CSV or XLSX) into a header and its non-blank rows, within limits.

Excel on a Chinese Windows saves "CSV" as GBK (really GB18030's subset), Excel's "CSV UTF-8" adds a
BOM, and scripts write plain UTF-8. We try UTF-8 (BOM-aware) first, because GB18030 decodes almost
any byte string without error and would garble UTF-8 text silently; GB18030 is the fallback.

Every reader stops at the first row, column or cell past :class:`~planmap.config.ImportLimits`,
so the cost of a file is bounded by the limits, not by what the file claims or contains.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..config import ImportLimits

# Lines past this multiple of the row limit stop a CSV even when they are blank (",,,,").
_BLANK_LINE_FACTOR = 10
_EOL = re.compile(r"\r\n|\r|\n")
# C0 and C1 control characters: never part of a column name.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class TableError(ValueError):
    """The file as a whole cannot be read: a 4xx (``status``) that says what to fix, never a 500."""

    status = 400


class UnsupportedFile(TableError):
    status = 415


class TableLimit(TableError):
    """The file is past one of the import limits (rows, columns, cells, inflated size)."""

    status = 413


def column_letter(n: int) -> str:
    """1 → A, 27 → AA: how a spreadsheet user finds column ``n``."""
    s = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


@dataclass
class Table:
    """The header (row 1) and the non-blank rows below it, each with its spreadsheet row number."""

    header: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)

    @property
    def data_rows(self) -> int:
        return len(self.rows)


class RowCollector:
    """Keeps the non-blank rows of a table and enforces the row, column, cell and size limits."""

    def __init__(self, limits: ImportLimits):
        self.limits = limits
        self.rows: dict[int, list[str]] = {}
        self.cells = 0

    def check_cell(self, row: int, col: int, value: str) -> None:
        """Raise :class:`TableLimit` if a non-empty cell at (row, col) is past a limit."""
        lim = self.limits
        if row > lim.max_rows + 1:
            raise TableLimit(f"row {row}: the file has more than {lim.max_rows:,} data rows; split "
                             f"it into several files (limit PLANMAP_IMPORT_MAX_ROWS)")
        if col > lim.max_columns:
            raise TableLimit(f"cell {column_letter(col)}{row}: a value in column {col:,}; a project "
                             f"list may use at most {lim.max_columns} columns "
                             f"(limit PLANMAP_IMPORT_MAX_COLUMNS)")
        if len(value) > lim.max_cell_chars:
            raise TableLimit(f"cell {column_letter(col)}{row}: {len(value):,} characters; a cell may "
                             f"hold at most {lim.max_cell_chars:,} (limit PLANMAP_IMPORT_MAX_CELL_CHARS)")
        self.cells += 1
        if self.cells > lim.max_cells:
            raise TableLimit(f"row {row}: the file has more than {lim.max_cells:,} non-empty cells; "
                             f"split it (limit PLANMAP_IMPORT_MAX_CELLS)")

    def add_row(self, row: int, cells: list[str]) -> None:
        """A row of stripped cells (position = column - 1); blank rows are dropped."""
        n = len(cells)
        while n and not cells[n - 1]:
            n -= 1
        if not n:
            return
        for i in range(n):
            if cells[i]:
                self.check_cell(row, i + 1, cells[i])
        self.rows[row] = cells[:n]

    def table(self, filename: str) -> Table:
        header = self.rows.pop(1, None)
        if not header:
            raise TableError(f"{filename}: no header row (row 1 must name the columns)")
        for i, h in enumerate(header):
            m = _CONTROL.search(h)
            if m:
                raise TableError(f"{filename}: the name of column {column_letter(i + 1)} contains "
                                 f"the control character U+{ord(m.group()):04X}; remove it")
        return Table(header, sorted(self.rows.items()))


def decode_csv(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise TableError("the CSV is neither UTF-8 nor GBK/GB18030; save it as 'CSV UTF-8'") from exc


def _lines(text: str) -> Iterator[str]:
    """The text's lines with their endings, one at a time (no second copy of a 50 MB text)."""
    start = 0
    for m in _EOL.finditer(text):
        yield text[start:m.end()]
        start = m.end()
    if start < len(text):
        yield text[start:]


def read_csv(text: str, limits: ImportLimits) -> RowCollector:
    rows = RowCollector(limits)
    reader = csv.reader(_lines(text))
    max_lines = (limits.max_rows + 1) * _BLANK_LINE_FACTOR
    record = 0
    try:
        for record, cells in enumerate(reader, start=1):
            if record > max_lines:
                raise TableLimit(f"the file has more than {max_lines:,} lines (most of them blank); "
                                 f"delete the empty rows (limit PLANMAP_IMPORT_MAX_ROWS)")
            rows.add_row(record, [c.strip() for c in cells])
    except csv.Error as exc:
        row = record + 1
        if "field larger than field limit" in str(exc):
            raise TableLimit(f"row {row}: a cell longer than {csv.field_size_limit():,} characters; "
                             f"a cell may hold at most {limits.max_cell_chars:,} "
                             f"(limit PLANMAP_IMPORT_MAX_CELL_CHARS)") from None
        raise TableError(f"row {row}: not readable as CSV ({exc})") from None
    return rows


def read_table(data: bytes, filename: str, limits: ImportLimits | None = None) -> Table:
    """The file's header and non-blank rows; data row numbers are spreadsheet row numbers."""
    limits = limits or ImportLimits.from_env()
    if len(data) > limits.max_bytes:
        raise TableLimit(f"{filename}: {len(data) / 2**20:.1f} MB; send at most "
                         f"{limits.max_bytes / 2**20:.0f} MB (limit PLANMAP_IMPORT_MAX_BYTES)")
    if file_kind(data, filename) == "xlsx":
        from .xlsx import read_xlsx  # noqa: PLC0415 - only XLSX imports need it

        rows = read_xlsx(data, limits)
    else:
        rows = read_csv(decode_csv(data), limits)
    return rows.table(filename)


def file_kind(data: bytes, filename: str) -> str:
    """"xlsx" or "csv", from the name and the zip signature; anything else is a 415."""
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xlsm") or data[:2] == b"PK":
        return "xlsx"
    if suffix in (".csv", ".txt", ""):
        return "csv"
    raise UnsupportedFile(f"{filename}: unsupported file type {suffix!r}; send .csv or .xlsx")

