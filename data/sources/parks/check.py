"""Check the curated parks list (parks.csv): columns, vocabularies, and that every quote is on its line.

Run from the repository root: ``python data/sources/parks/check.py [FILE]``.
Prints every problem and a count, and exits 1 if there is any problem.
"""
from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEEDS = Path(__file__).resolve().parents[1] / "plans"
DEFAULT = HERE / "parks.csv"

COLUMNS = ["name", "kind", "district", "parent", "industries", "area_km2_stated", "figures",
           "place", "place_basis", "sites", "source", "quote", "note"]
KINDS = {"国家级开发区", "开发区功能区", "产业园区", "功能区", "商务区", "新城", "服务业集聚区",
         "创新区", "保税区", "生态城", "其他"}
DISTRICTS = set("和平区 河东区 河西区 南开区 河北区 红桥区 东丽区 西青区 津南区 北辰区 武清区 宝坻区 "
                "滨海新区 宁河区 静海区 蓟州区".split())
PLACE_BASES = {"seed", "name", "general knowledge"}
# "several": the park has several separate sites, so its one point stands for only one of them and
# its sub-zones must not be drawn there.
SITES = {"", "several"}
SEP = " | "
SOURCE_RE = re.compile(r"^(?P<file>\d{3}_[0-9a-f]{16}\.txt):L(?P<line>[1-9]\d*)$")
COORD_RE = re.compile(r"\d+\.\d+|\d+\s*°")


def seed_lines(name: str, cache: dict[str, list[str] | None]) -> list[str] | None:
    if name not in cache:
        path = SEEDS / name
        cache[name] = path.read_text(encoding="utf-8").splitlines() if path.is_file() else None
    return cache[name]


def check(path: Path) -> tuple[list[str], list[str], int]:
    problems: list[str] = []
    warnings: list[str] = []
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.append(f"{path.name}: starts with a UTF-8 BOM")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [f"{path.name}: not UTF-8 ({exc})"], warnings, 0
    if not SEEDS.is_dir():
        return [f"seed directory not found: {SEEDS}"], warnings, 0

    cache: dict[str, list[str] | None] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != COLUMNS:
            return [f"{path.name}: header {reader.fieldnames} != {COLUMNS}"], warnings, 0
        rows = list(reader)

    names = Counter(r["name"] for r in rows)
    pairs = Counter((r["name"], r["parent"]) for r in rows)
    for i, row in enumerate(rows, start=2):
        where = f"{path.name}:{i} {row['name']!r}"
        if None in row or any(v is None for v in row.values()):
            problems.append(f"{where}: wrong number of fields")
            continue
        if not row["name"].strip():
            problems.append(f"{where}: empty name")
        if row["name"] != row["name"].strip():
            problems.append(f"{where}: name has surrounding whitespace")
        if "滨海一中关村" in row["name"]:
            problems.append(f"{where}: name keeps the seed typo 滨海一中关村 (write 滨海—中关村)")
        if pairs[(row["name"], row["parent"])] > 1:
            problems.append(f"{where}: duplicate row (same name and parent)")
        elif names[row["name"]] > 1:
            warnings.append(f"{where}: name used by {names[row['name']]} rows (distinct parents)")
        if row["kind"] not in KINDS:
            problems.append(f"{where}: kind {row['kind']!r} not in {sorted(KINDS)}")
        if row["district"] and row["district"] not in DISTRICTS:
            problems.append(f"{where}: district {row['district']!r} is not one of the 16 districts")
        if row["parent"]:
            if row["parent"] == row["name"]:
                problems.append(f"{where}: parent is the row itself")
            elif row["parent"] not in names:
                problems.append(f"{where}: parent {row['parent']!r} has no row of its own")
        if row["area_km2_stated"]:
            try:
                if float(row["area_km2_stated"]) <= 0:
                    raise ValueError
            except ValueError:
                problems.append(f"{where}: area_km2_stated {row['area_km2_stated']!r} is not a positive number")
        if row["place"] and row["place_basis"] not in PLACE_BASES:
            problems.append(f"{where}: place_basis {row['place_basis']!r} not in {sorted(PLACE_BASES)}")
        if not row["place"] and row["place_basis"]:
            problems.append(f"{where}: place_basis given without a place")
        if row["sites"] not in SITES:
            problems.append(f"{where}: sites {row['sites']!r} not in {sorted(SITES)}")
        if COORD_RE.search(row["place"]):
            problems.append(f"{where}: place {row['place']!r} looks like coordinates")

        sources = row["source"].split(SEP) if row["source"] else []
        quotes = row["quote"].split(SEP) if row["quote"] else []
        if not sources:
            problems.append(f"{where}: no source")
        if len(sources) != len(quotes):
            problems.append(f"{where}: {len(sources)} sources but {len(quotes)} quotes")
            continue
        seen = set()
        for src, quote in zip(sources, quotes):
            m = SOURCE_RE.match(src)
            if not m:
                problems.append(f"{where}: malformed source {src!r} (want FILE:Lnnn)")
                continue
            if src in seen:
                problems.append(f"{where}: source {src} cited twice")
            seen.add(src)
            lines = seed_lines(m["file"], cache)
            if lines is None:
                problems.append(f"{where}: seed file {m['file']} not found in {SEEDS}")
                continue
            lno = int(m["line"])
            if lno > len(lines):
                problems.append(f"{where}: {src} is past the end of the file ({len(lines)} lines)")
                continue
            if not quote.strip():
                problems.append(f"{where}: empty quote for {src}")
            elif quote not in lines[lno - 1]:
                problems.append(f"{where}: quote {quote!r} not on {src}")
    return problems, warnings, len(rows)


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else DEFAULT
    if not path.is_file():
        print(f"{path}: not found")
        print("1 problems")
        return 1
    problems, warnings, n = check(path)
    for w in warnings:
        print(f"warning: {w}")
    for p in problems:
        print(p)
    print(f"{n} rows in {path.name}, {len(problems)} problems, {len(warnings)} warnings")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
