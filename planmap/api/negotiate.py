"""Content negotiation: ``f=`` wins, then the Accept header; browsers get HTML."""
from __future__ import annotations

from fastapi import Request

from .errors import ProblemError

FORMATS = {"json", "html", "geojson"}


def wants(request: Request, f: str | None) -> str:
    """Return ``json`` or ``html``."""
    if f:
        key = f.lower()
        if key not in FORMATS:
            raise ProblemError(400, f"f={f!r} is not offered; use f=json or f=html")
        return "html" if key == "html" else "json"
    accept = request.headers.get("accept", "")
    if "text/html" in accept and "json" not in accept.split("text/html")[0]:
        return "html"
    return "json"
