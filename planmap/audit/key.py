"""The key that seals the head of the audit chain, kept outside the GeoPackage.

A hash chain shows an edited or deleted record in the middle, but not a record cut off the end:
the shorter chain is still a valid chain. So the head (last sequence number and hash) is also
stored, sealed with an HMAC under a key that is NOT in the GeoPackage: whoever can edit the file
but not read the key can neither delete the last record (the head then names a record that is
gone) nor rewrite the head to match (they cannot compute its HMAC). The key is
``$PLANMAP_AUDIT_KEY`` when set (a deployment keeps it in its secret store), else a file
``<gpkg>.audit-key`` beside the GeoPackage, created on the first change with mode 0600. Copying
or exporting the GeoPackage never carries the key.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_ENV = "PLANMAP_AUDIT_KEY"


def key_path(gpkg: Path) -> Path:
    return Path(f"{gpkg}.audit-key")


def read_key(gpkg: Path) -> bytes | None:
    env = os.environ.get(KEY_ENV, "").strip()
    if env:
        return env.encode("utf-8")
    p = key_path(gpkg)
    return p.read_bytes().strip() if p.exists() else None


def ensure_key(gpkg: Path) -> bytes:
    """The key, created (32 random bytes, hex, mode 0600) if there is none yet."""
    key = read_key(gpkg)
    if key is not None:
        return key
    p = key_path(gpkg)
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return p.read_bytes().strip()
