"""Read the first worksheet of an XLSX workbook as rows of strings, with bounded memory and time.

Why not openpyxl: in read-only mode it trusts the sheet's declared dimension and pads every row
to it (``A1:XFD1048576`` makes each row 16,384 cells), and it builds each ``<row>`` element whole
before looking at it. Here the zip directory is checked first (member count, inflated sizes,
compression ratio), then the XML is streamed through expat: a cell is looked at as soon as it
ends, only non-empty cells are kept, and the first one past a limit stops the read. Documents
with a DTD are refused (no entity expansion). What a cell holds follows openpyxl's reading:
shared and inline strings, numbers (whole numbers without ``.0``), dates in date-formatted cells.
"""
from __future__ import annotations

import io
import posixpath
import re
import struct
import zipfile
import zlib
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Callable
from xml.parsers import expat

from ..config import ImportLimits
from .table import RowCollector, TableError, TableLimit

MAX_MEMBERS = 1_000  # a workbook of one sheet has about a dozen
SMALL_PART = 8 * 2**20  # workbook, relationships and styles parts are read into dicts
RATIO_FLOOR = 2**20  # members smaller than this are not ratio-checked (tiny parts compress oddly)
MAX_COLUMN = 16_384  # XFD, Excel's last column
MAX_ROW = 1_048_576
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
_SMALL_INT = re.compile(r"\s*([0-9]{1,9})\s*")
_XML_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
# ECMA-376 §18.8.30: built-in number formats that are dates or times (27–36 and 50–58 are the
# East Asian date formats, e.g. 31 = yyyy"年"m"月"d"日" in zh-CN).
_DATE_FORMAT_IDS = {*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)}
_NOT_DATE_PARTS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
_EXCEL_MAX_SERIAL = 2_958_466  # 9999-12-31


_TAGS: dict[str, str] = {}


def _tag(name: str) -> str:
    """An element's name without its prefix ("x:c" → "c"); namespaces are not resolved (faster)."""
    tag = _TAGS.get(name)
    if tag is None:
        tag = name.rpartition(":")[2]
        if len(_TAGS) < 256:  # a hostile document may invent names without end
            _TAGS[name] = tag
    return tag


def _small_int(s: str) -> int | None:
    """A non-negative int of at most 9 digits, else None (``int()`` of a 5,000-digit string raises)."""
    m = _SMALL_INT.fullmatch(s)
    return int(m.group(1)) if m else None


def _attrs(attrs: dict[str, str]) -> dict[str, str]:
    return {k.rpartition(":")[2]: v for k, v in attrs.items()}


def _member_count(data: bytes) -> int | None:
    """Entries in the zip's end-of-central-directory record, read before ``zipfile`` loads them."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if at < 0 or at + 22 > len(data):
        return None
    return struct.unpack_from("<H", data, at + 10)[0]


def open_workbook(data: bytes, limits: ImportLimits) -> zipfile.ZipFile:
    """The workbook's zip, once its directory says inflating it stays within the limits.

    ``zipfile`` never returns more than a member's declared size (a lying size fails its CRC),
    so the declared sizes are a true bound.
    """
    count = _member_count(data)
    if count is None:
        raise TableError("not a readable XLSX workbook (no zip directory); save it again from Excel")
    if count > MAX_MEMBERS:
        raise TableLimit(f"the workbook has {count:,} parts; an XLSX has a few dozen at most")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise TableError(f"not a readable XLSX workbook ({type(exc).__name__})") from None
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if info.file_size > RATIO_FLOOR and info.file_size > limits.max_zip_ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise TableLimit(f"{info.filename} inflates {ratio:,.0f} times ({info.file_size / 2**20:,.0f} MB); "
                             f"a workbook part may inflate at most {limits.max_zip_ratio} times "
                             f"(limit PLANMAP_IMPORT_MAX_ZIP_RATIO)")
    if total > limits.max_unzipped_bytes:
        raise TableLimit(f"the workbook inflates to {total / 2**20:,.0f} MB; at most "
                         f"{limits.max_unzipped_bytes / 2**20:,.0f} MB "
                         f"(limit PLANMAP_IMPORT_MAX_UNZIPPED_BYTES); save the list alone in a new workbook")
    return zf


def _refuse_dtd(*_args) -> None:
    raise TableError("the workbook's XML declares a DTD; XLSX files never do, so it is refused")


def _parse(zf: zipfile.ZipFile, name: str, start: Callable, end: Callable,
           text: Callable | None = None) -> None:
    """Stream one member through expat; handlers get element names as written (see :func:`_tag`)."""
    p = expat.ParserCreate()
    p.buffer_text = True
    p.buffer_size = 1 << 16
    p.StartDoctypeDeclHandler = _refuse_dtd
    p.StartElementHandler = start
    p.EndElementHandler = end
    if text is not None:
        p.CharacterDataHandler = text
    try:
        with zf.open(name) as fh:
            while chunk := fh.read(1 << 16):
                p.Parse(chunk, False)
        p.Parse(b"", True)
    except expat.ExpatError as exc:
        raise TableError(f"{name} in the workbook is not well-formed XML ({exc})") from None
    except KeyError:
        raise TableError(f"the workbook has no {name}") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError) as exc:
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression method
        raise TableError(f"{name} in the workbook cannot be read ({exc}); save it again from Excel "
                         "without a password") from None


def _small(zf: zipfile.ZipFile, name: str) -> None:
    try:
        size = zf.getinfo(name).file_size
    except KeyError:
        raise TableError(f"the workbook has no {name}") from None
    if size > SMALL_PART:
        raise TableLimit(f"{name} in the workbook is {size / 2**20:,.0f} MB; a workbook's "
                         f"structure parts are far smaller")


def _relationships(zf: zipfile.ZipFile, rels_path: str, base: str) -> dict[str, tuple[str, str]]:
    """Relationship id → (type, member path), targets resolved against ``base``."""
    out: dict[str, tuple[str, str]] = {}
    if rels_path not in zf.NameToInfo:
        return out
    _small(zf, rels_path)

    def start(name: str, a: dict) -> None:
        if _tag(name) == "Relationship" and a.get("TargetMode") != "External":
            target = a.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
            out[a.get("Id", "")] = (a.get("Type", ""), posixpath.normpath(path))

    _parse(zf, rels_path, start, lambda n: None)
    return out


def _workbook_parts(zf: zipfile.ZipFile) -> tuple[str, str | None, str | None, bool]:
    """(first sheet, shared strings, styles, 1904 date system) of the workbook."""
    root = _relationships(zf, "_rels/.rels", "")
    book = next((p for t, p in root.values() if t.endswith("/officeDocument")), "xl/workbook.xml")
    _small(zf, book)
    folder = posixpath.dirname(book)
    state: dict = {"sheet": None, "date1904": False}

    def start(name: str, a: dict) -> None:
        a, name = _attrs(a), _tag(name)
        if name == "sheet" and state["sheet"] is None:
            state["sheet"] = a.get("id")
        elif name == "workbookPr":
            state["date1904"] = a.get("date1904", "0").lower() in ("1", "true")

    _parse(zf, book, start, lambda n: None)
    rels = _relationships(zf, posixpath.join(folder, "_rels", posixpath.basename(book) + ".rels"), folder)
    sheet = rels.get(state["sheet"] or "", ("", None))[1]
    if sheet is None:
        sheet = next((p for t, p in rels.values() if t.endswith("/worksheet")), None)
    if sheet is None:
        raise TableError("the workbook has no worksheet")
    shared = next((p for t, p in rels.values() if t.endswith("/sharedStrings")), None)
    styles = next((p for t, p in rels.values() if t.endswith("/styles")), None)
    return sheet, shared, styles, state["date1904"]


_TOO_LONG = object()  # a shared string longer than a cell may be: kept out of memory


def _shared_strings(zf: zipfile.ZipFile, name: str, limits: ImportLimits) -> list:
    """The shared-string table; phonetic runs (``rPh``) are not part of the text."""
    out: list = []
    st = {"buf": [], "size": 0, "collect": False, "rph": 0}

    def start(tag: str, a: dict) -> None:
        tag = _tag(tag)
        if tag == "si":
            st["buf"], st["size"] = [], 0
        elif tag == "rPh":
            st["rph"] += 1
        elif tag == "t" and not st["rph"]:
            st["collect"] = True

    def end(tag: str) -> None:
        tag = _tag(tag)
        if tag == "t":
            st["collect"] = False
        elif tag == "rPh":
            st["rph"] -= 1
        elif tag == "si":
            out.append(_TOO_LONG if st["size"] > limits.max_cell_chars else "".join(st["buf"]))
            if len(out) > limits.max_cells:
                raise TableLimit(f"the workbook holds more than {limits.max_cells:,} distinct texts "
                                 f"(limit PLANMAP_IMPORT_MAX_CELLS)")

    def text(s: str) -> None:
        if st["collect"]:
            st["size"] += len(s)
            if st["size"] <= limits.max_cell_chars:
                st["buf"].append(s)

    _parse(zf, name, start, end, text)
    return out


def _is_date_format(code: str) -> bool:
    code = _NOT_DATE_PARTS.sub("", code).lower()
    return code != "general" and any(ch in code for ch in "ymdhs")


def _date_styles(zf: zipfile.ZipFile, name: str) -> set[int]:
    """Positions in ``cellXfs`` whose number format shows a date or time."""
    _small(zf, name)
    custom: dict[int, str] = {}
    xfs: list[int] = []
    st = {"in_xfs": False}

    def start(tag: str, a: dict) -> None:
        tag = _tag(tag)
        if tag == "numFmt":
            fid = _small_int(a.get("numFmtId", ""))
            if fid is not None:
                custom[fid] = a.get("formatCode", "")
        elif tag == "cellXfs":
            st["in_xfs"] = True
        elif tag == "xf" and st["in_xfs"]:
            xfs.append(_small_int(a.get("numFmtId", "0")) or 0)

    def end(tag: str) -> None:
        if _tag(tag) == "cellXfs":
            st["in_xfs"] = False

    _parse(zf, name, start, end)
    return {i for i, fid in enumerate(xfs)
            if fid in _DATE_FORMAT_IDS or (fid in custom and _is_date_format(custom[fid]))}


def _excel_date(serial: float, date1904: bool) -> str:
    if date1904:
        when = datetime(1904, 1, 1) + timedelta(days=serial)
    else:  # Excel counts a 29 February 1900 that never was
        when = datetime(1899, 12, 30) + timedelta(days=serial + (1 if serial < 60 else 0))
    if serial < 1:
        return when.time().isoformat(timespec="seconds")
    if serial.is_integer():
        return when.date().isoformat()
    return when.isoformat(sep=" ", timespec="seconds")


def number_text(v: str, is_date: bool = False, date1904: bool = False) -> str:
    """A numeric cell as the text a user sees: 2025 not 2025.0, 0.00001 not 1e-05.

    Text that is not an XML number ("1_17.38", "inf", "0x1p3") is returned as it is, so the
    row's check reports it instead of ``float`` quietly reading it.
    """
    if not _XML_NUMBER.fullmatch(v):
        return v
    f = float(v)
    if f != f or f in (float("inf"), float("-inf")):
        return v
    if is_date and 0 <= f < _EXCEL_MAX_SERIAL:
        return _excel_date(f, date1904)
    if f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    r = repr(f)
    return r if "e" not in r else format(Decimal(r), "f")


class _Sheet:
    """Expat handlers that turn ``<row>``/``<c>`` elements into rows of a :class:`RowCollector`.

    Called for every element of the sheet, so kept lean: no per-cell dicts, one check per cell.
    """

    def __init__(self, rows: RowCollector, shared: list, dates: set[int], date1904: bool):
        self.rows, self.shared, self.dates, self.date1904 = rows, shared, dates, date1904
        self.limit = rows.limits.max_cell_chars
        self.row = 0
        self.cells: dict[int, str] = {}
        self.col = 0
        self.in_cell = False
        self.type = "n"
        self.style = ""
        self.buf: list[str] = []
        self.size = 0
        self.collect = False
        self.in_is = False
        self.rph = 0

    def start(self, name: str, a: dict) -> None:
        tag = _TAGS.get(name) or _tag(name)
        if tag == "c":
            ref = _REF.fullmatch(a.get("r", ""))
            if ref:
                col = 0
                for ch in ref.group(1):
                    col = col * 26 + ord(ch) - 64
                self.col = col
            else:
                self.col += 1
            self.type = a.get("t", "n")
            self.style = a.get("s", "")
            self.in_cell = True
            self.buf, self.size = [], 0
        elif not self.in_cell:
            if tag == "row":
                r = _small_int(a.get("r", ""))
                self.row = r if r is not None and 0 < r <= MAX_ROW else self.row + 1
                self.cells = {}
                self.col = 0
        elif tag == "v":
            self.collect = True
        elif tag == "is":
            self.in_is = True
        elif tag == "rPh":
            self.rph += 1
        elif tag == "t" and self.in_is and not self.rph:
            self.collect = True

    def text(self, s: str) -> None:
        if self.collect:
            self.size += len(s)
            if self.size > self.limit:
                raise TableLimit(f"cell in row {self.row}, column {self.col:,}: more than "
                                 f"{self.limit:,} characters (limit PLANMAP_IMPORT_MAX_CELL_CHARS)")
            self.buf.append(s)

    def end(self, name: str) -> None:
        tag = _TAGS.get(name) or _tag(name)
        if tag == "c":
            self.in_cell = self.collect = self.in_is = False
            self.rph = 0
            value = self._value("".join(self.buf)).strip()
            if value:
                if self.col > MAX_COLUMN:
                    raise TableError(f"row {self.row}: a cell in column {self.col:,}, past Excel's last (XFD)")
                self.rows.check_cell(self.row, self.col, value)
                self.cells[self.col] = value
        elif tag == "v" or tag == "t":
            self.collect = False
        elif tag == "is":
            self.in_is = False
        elif tag == "rPh":
            self.rph -= 1
        elif tag == "row" and self.cells:
            cells = self.cells
            earlier = self.rows.rows.get(self.row)  # a second <row> with the same number
            if earlier:
                cells = {**{i: v for i, v in enumerate(earlier, start=1) if v}, **cells}
            self.rows.rows[self.row] = [cells.get(i, "") for i in range(1, max(cells) + 1)]
            self.cells = {}

    def _value(self, raw: str) -> str:
        t = self.type
        if t == "n":
            is_date = bool(self.dates) and _small_int(self.style) in self.dates
            return number_text(raw.strip(), is_date, self.date1904)
        if t == "s":
            i = _small_int(raw)
            if i is None or i >= len(self.shared):
                raise TableError(f"cell in row {self.row}, column {self.col:,} refers to a shared "
                                 f"text the workbook does not have")
            s = self.shared[i]
            if s is _TOO_LONG:
                raise TableLimit(f"cell in row {self.row}, column {self.col:,}: more than "
                                 f"{self.limit:,} characters (limit PLANMAP_IMPORT_MAX_CELL_CHARS)")
            return s
        if t == "b":
            return {"1": "TRUE", "0": "FALSE"}.get(raw.strip(), raw)
        return raw  # inlineStr, str (a formula's text), e (an error such as #N/A), d (ISO date)


def read_xlsx(data: bytes, limits: ImportLimits) -> RowCollector:
    """The first worksheet's non-blank rows, checked against ``limits`` cell by cell."""
    zf = open_workbook(data, limits)
    sheet, shared_part, styles_part, date1904 = _workbook_parts(zf)
    shared = _shared_strings(zf, shared_part, limits) if shared_part in zf.NameToInfo else []
    dates = _date_styles(zf, styles_part) if styles_part in zf.NameToInfo else set()
    rows = RowCollector(limits)
    handler = _Sheet(rows, shared, dates, date1904)
    _parse(zf, sheet, handler.start, handler.end, handler.text)
    return rows


def sheet_size(data: bytes, limits: ImportLimits) -> int:
    """Bytes of XML in the first worksheet: what reading it will cost, known in milliseconds.

    Opening the workbook checks its zip directory, so a bomb is refused here too.
    """
    zf = open_workbook(data, limits)
    sheet = _workbook_parts(zf)[0]
    if sheet not in zf.NameToInfo:
        raise TableError(f"the workbook has no {sheet}")
    return zf.getinfo(sheet).file_size
