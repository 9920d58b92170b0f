"""Check the curated project CSVs: columns, categories, and that every quote is on its line.

Run from the repository root: ``python data/sources/projects/check.py [FILE ...]``.
The same rule is enforced by the test suite; this script is for curators.
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEEDS = HERE.parent / "plans"
COLUMNS = ["name", "category", "subcategory", "district", "park", "place", "scope", "period",
           "investment_yi", "length_km", "area_km2", "capacity", "capacity_unit", "source",
           "quote", "note"]
CATEGORIES = {"transport", "port", "airport", "energy", "water", "environment", "ecology", "ict",
              "research", "industry", "commerce", "culture_tourism", "education", "health",
              "sports", "housing", "public_safety", "agriculture", "other"}
DISTRICTS = set("和平区 河东区 河西区 南开区 河北区 红桥区 东丽区 西青区 津南区 北辰区 武清区 宝坻区 "
                "滨海新区 宁河区 静海区 蓟州区".split())
SCOPES = {"site", "linear", "area", "citywide"}


def seed_lines(name: str) -> list[str]:
    return (SEEDS / name).read_text(encoding="utf-8").splitlines()


def check(path: Path) -> list[str]:
    problems: list[str] = []
    cache: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames != COLUMNS:
            return [f"{path.name}: header {reader.fieldnames} != {COLUMNS}"]
        for i, row in enumerate(reader, start=2):
            where = f"{path.name}:{i} {row['name']!r}"
            if not row["name"].strip():
                problems.append(f"{where}: empty name")
            if row["category"] not in CATEGORIES:
                problems.append(f"{where}: category {row['category']!r}")
            if row["district"] and row["district"] not in DISTRICTS:
                problems.append(f"{where}: district {row['district']!r}")
            if row["scope"] not in SCOPES:
                problems.append(f"{where}: scope {row['scope']!r}")
            for col in ("investment_yi", "length_km", "area_km2", "capacity"):
                if row[col]:
                    try:
                        float(row[col])
                    except ValueError:
                        problems.append(f"{where}: {col} {row[col]!r} is not a number")
            try:
                fname, lno = row["source"].rsplit(":L", 1)
                lines = cache.setdefault(fname, seed_lines(fname))
                line = lines[int(lno) - 1]
            except Exception as exc:  # noqa: BLE001 - report any malformed source
                problems.append(f"{where}: bad source {row['source']!r} ({exc})")
                continue
            if not row["quote"] or row["quote"] not in line:
                problems.append(f"{where}: quote not on {row['source']}")
    return problems


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or sorted(HERE.glob("seed_*.csv"))
    problems = [p for f in files for p in check(f)]
    rows = sum(sum(1 for _ in csv.DictReader(f.open(encoding="utf-8"))) for f in files)
    print("\n".join(problems))
    print(f"{rows} rows in {len(files)} files, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
