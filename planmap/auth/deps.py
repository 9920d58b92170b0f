"""FastAPI dependencies that name the caller and check its role.

Credentials are read from the ``Authorization: Bearer`` header and nowhere else: never from a
cookie, a query parameter or a form field. A browser attaches cookies to a cross-site request by
itself, but it never adds an Authorization header to one (a ``no-cors`` fetch or an HTML form
cannot set it, and a CORS request that sets it needs a preflight this server refuses unless
``PLANMAP_CORS_ORIGINS`` allows the origin), so a page on another site cannot write here on a
user's behalf.

No credential, or one that is unknown or revoked, is 401 (with ``WWW-Authenticate: Bearer``);
a valid token whose role is too low is 403. Both are problem+json through the app's handler.
"""
from __future__ import annotations

import os

from fastapi import Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from .tokens import ROLES, Account, lookup

SCHEME = "bearerAuth"
bearer = HTTPBearer(scheme_name=SCHEME, auto_error=False, bearerFormat="planmap token",
                    description="An API token from `planmap token create --name NAME --role "
                                "viewer|editor|admin`, sent as `Authorization: Bearer TOKEN`.")
READ_ROLE_ENV = "PLANMAP_READ_ROLE"
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="planmap"'}


def read_role_setting() -> str | None:
    """``PLANMAP_READ_ROLE``: unset or ``public`` (reads need no token) or a role reads need."""
    value = os.environ.get(READ_ROLE_ENV, "").strip().lower() or "public"
    if value == "public":
        return None
    if value not in ROLES:
        raise ValueError(f"{READ_ROLE_ENV}={value!r}: use public, {', '.join(ROLES)}")
    return value


def remote_of(request: Request) -> str:
    return request.client.host if request.client else ""


def account_for(request: Request, token: str | None) -> Account | None:
    """The account a bearer token names, or None (unknown, revoked or absent)."""
    if not token:
        return None
    acc = lookup(request.app.state.store.path, token)
    return Account(acc.name, acc.role, remote_of(request)) if acc else None


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers=CHALLENGE)


def check(account: Account | None, role: str, had_token: bool) -> Account:
    if account is None:
        if had_token:
            raise _unauthorized("the bearer token is unknown or revoked; ask an admin for a new "
                                "one (`planmap token create`)")
        raise _unauthorized(f"this needs an account with role {role} or higher: send "
                            "`Authorization: Bearer TOKEN`")
    if not account.has(role):
        raise HTTPException(403, f"account {account.name!r} has role {account.role}; this needs "
                                 f"{role} or higher")
    return account


def require(role: str):
    """A dependency answering the calling :class:`Account`, which has ``role`` or higher."""
    if role not in ROLES:
        raise ValueError(role)

    def dependency(request: Request,
                   cred: HTTPAuthorizationCredentials | None = Security(bearer)) -> Account:
        token = cred.credentials if cred else None
        return check(account_for(request, token), role, bool(token))

    dependency.__name__ = f"require_{role}"
    return dependency


def optional_account(request: Request,
                     cred: HTTPAuthorizationCredentials | None = Security(bearer)) -> Account | None:
    """The caller's account if it sent a token (an invalid one is still 401), else None."""
    token = cred.credentials if cred else None
    if not token:
        return None
    return check(account_for(request, token), "viewer", True)


require_viewer = require("viewer")
require_editor = require("editor")
require_admin = require("admin")
