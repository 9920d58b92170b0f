"""API tokens: created once, shown once, stored only as a SHA-256 hash beside the data.

Why SHA-256 and not a slow KDF (bcrypt, scrypt, Argon2): a slow KDF protects *guessable*
secrets, such as passwords, from an offline dictionary attack. A planmap token is 32 bytes from
:func:`secrets.token_urlsafe` (256 bits of entropy); nobody can enumerate that space, fast hash
or slow, so the stored hash is as safe as the token. A fast hash also lets every request look its
token up by an index (``token_sha256 = ?``) in well under a millisecond, where a KDF would cost
tens of milliseconds per request and a per-row salt would force a scan.

The table lives in the served GeoPackage (``planmap_tokens``, not registered as a layer, so no
export or OGC collection ever shows it) so that a running server accepts a token the moment
``planmap token create`` commits it, with no restart and no second store to keep in step.
A revoked name stays in the table: the audit trail names accounts, and a name must keep meaning
one account.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROLES: dict[str, int] = {"viewer": 1, "editor": 2, "admin": 3}
TOKEN_PREFIX = "pm_"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
MAX_TOKEN_CHARS = 200  # a header longer than this is not one of ours; do not even hash it

SCHEMA = """CREATE TABLE IF NOT EXISTS planmap_tokens (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
    token_sha256 TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    revoked TEXT)"""


class TokenError(ValueError):
    """A token command that cannot be done as asked; the message says what to change."""


@dataclass(frozen=True)
class Account:
    """Who is calling: the token's name and role, and where the request came from."""

    name: str
    role: str
    remote: str = ""

    def has(self, role: str) -> bool:
        return ROLES[self.role] >= ROLES[role]


def now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _connect(path: Path) -> sqlite3.Connection:
    if not Path(path).exists():
        raise TokenError(f"{path}: no GeoPackage there; run `planmap build` or pass --data")
    con = sqlite3.connect(path, isolation_level=None, timeout=30)
    con.execute(SCHEMA)
    return con


def create_token(path: Path, name: str, role: str) -> str:
    """Store the hash of a new random token for ``name`` and return the token (shown once)."""
    if role not in ROLES:
        raise TokenError(f"role {role!r}: use one of {', '.join(ROLES)}")
    if not NAME_RE.match(name or ""):
        raise TokenError(f"name {name!r}: 1–64 letters, digits, '_', '.', '@' or '-', "
                         "starting with a letter or digit")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    con = _connect(path)
    try:
        con.execute("BEGIN IMMEDIATE")
        row = con.execute("SELECT revoked FROM planmap_tokens WHERE name = ?", (name,)).fetchone()
        if row is not None:
            con.execute("ROLLBACK")
            state = "was revoked (a name is never reused, so the audit trail stays unambiguous)" \
                if row[0] else "exists; revoke it first or pick another name"
            raise TokenError(f"an account named {name!r} {state}")
        con.execute("INSERT INTO planmap_tokens VALUES (?, ?, ?, ?, NULL)",
                    (name, role, token_hash(token), now()))
        con.execute("COMMIT")
    finally:
        con.close()
    return token


def list_tokens(path: Path) -> list[dict]:
    con = _connect(path)
    try:
        rows = con.execute("SELECT name, role, created, revoked FROM planmap_tokens ORDER BY created")
        return [dict(zip(("name", "role", "created", "revoked"), r)) for r in rows]
    finally:
        con.close()


def revoke_token(path: Path, name: str) -> None:
    con = _connect(path)
    try:
        cur = con.execute("UPDATE planmap_tokens SET revoked = ? WHERE name = ? AND revoked IS NULL",
                          (now(), name))
        if cur.rowcount == 0:
            raise TokenError(f"no active account named {name!r}; `planmap token list` shows them")
    finally:
        con.close()


def lookup(path: Path | None, token: str) -> Account | None:
    """The active account holding ``token``, or None. Read on each call, so a token created or
    revoked by another process counts at once."""
    if path is None or not token or len(token) > MAX_TOKEN_CHARS or not Path(path).exists():
        return None
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return None
    try:
        row = con.execute("SELECT name, role FROM planmap_tokens WHERE token_sha256 = ? "
                          "AND revoked IS NULL", (token_hash(token),)).fetchone()
    except sqlite3.OperationalError:  # no token table yet: nobody has a token
        return None
    finally:
        con.close()
    return Account(row[0], row[1]) if row else None
