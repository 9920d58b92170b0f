"""A bearer header for a new account on a test GeoPackage (writes need an editor token)."""
from __future__ import annotations

import uuid

from planmap.auth import create_token


def bearer(path, role: str = "editor") -> dict[str, str]:
    token = create_token(path, f"{role}-{uuid.uuid4().hex[:8]}", role)
    return {"Authorization": f"Bearer {token}"}
