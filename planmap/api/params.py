"""Parsing of OGC query parameters (bbox, limit, crs …) into checked values.

Each parser raises :class:`ProblemError` (400) with a message that says what a valid value
looks like, so clients never see a validation traceback.
"""
from __future__ import annotations

import math

from pyproj import Transformer

from ..geo.crs import CrsInfo, resolve
from .errors import ProblemError

LIMIT_DEFAULT = 100
LIMIT_MAX = 10_000


def parse_bbox(raw: str | None) -> tuple[float, ...] | None:
    """``minx,miny,maxx,maxy`` (or 6 numbers with heights) → floats; 400 on anything else."""
    if raw is None or raw == "":
        return None
    parts = [p.strip() for p in raw.split(",")]
    if len(parts) not in (4, 6):
        raise ProblemError(400, f"bbox needs 4 numbers (minx,miny,maxx,maxy) or 6 with heights; "
                                f"got {len(parts)} in {raw!r}")
    try:
        nums = [float(p) for p in parts]
    except ValueError:
        raise ProblemError(400, f"bbox values must be numbers; got {raw!r}") from None
    if not all(math.isfinite(n) for n in nums):
        raise ProblemError(400, f"bbox values must be finite numbers (no NaN or inf); got {raw!r}")
    if len(nums) == 6:
        nums = [nums[0], nums[1], nums[3], nums[4]]
    if nums[1] > nums[3]:
        raise ProblemError(400, f"bbox: miny ({nums[1]}) is greater than maxy ({nums[3]})")
    return tuple(nums)


def bbox_to_crs84(bbox: tuple[float, ...], crs: CrsInfo) -> tuple[float, float, float, float]:
    """A bbox given in ``crs`` (in its own axis order) as CRS84 lon/lat bounds."""
    a, b, c, d = bbox
    if crs.yx_on_wire:  # given as (lat, lon) or (northing, easting)
        a, b, c, d = b, a, d, c
    if crs.code == "CRS84":
        return (a, b, c, d)
    t = Transformer.from_crs(crs.pyproj, resolve("CRS84").pyproj, always_xy=True)
    try:
        out = tuple(t.transform_bounds(a, b, c, d, densify_pts=21))
    except Exception:  # pyproj.ProjError and friends: the numbers are not positions in crs
        out = (math.nan,) * 4
    if not all(math.isfinite(v) for v in out):
        raise ProblemError(400, f"bbox {bbox} is not a valid area in {crs.code} (check bbox-crs "
                                "and the axis order)")
    return out  # type: ignore[return-value]


def clamp_limit(limit: int | None) -> int:
    """The page size: default when absent, clamped to [1, LIMIT_MAX] (documented in /api)."""
    if limit is None:
        return LIMIT_DEFAULT
    return max(1, min(int(limit), LIMIT_MAX))


def parse_crs(raw: str | None, param: str = "crs") -> CrsInfo:
    try:
        return resolve(raw)
    except ValueError as exc:
        raise ProblemError(400, f"{param}: {exc}") from None
