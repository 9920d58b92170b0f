"""The service's own base URL, for absolute links in documents and pages.

Never taken from a raw ``Host`` header: that header is whatever the client wrote, and a page
cached with a hostile host in its links would then be served to everyone (and one cache entry
per invented host is unbounded memory). In order:

1. ``PLANMAP_PUBLIC_URL`` when set (the normal case behind a reverse proxy);
2. ``X-Forwarded-Host`` (with ``X-Forwarded-Proto``), then ``Host``, only when the name is in
   ``PLANMAP_ALLOWED_HOSTS``;
3. else the address the server socket accepted the connection on (``scope["server"]``), which
   the client cannot choose.
"""
from __future__ import annotations

from fastapi import Request

from .. import config

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _allowed(host: str) -> bool:
    if not host or any(c in host for c in "/\\@ ?#"):
        return False
    bare = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return host in config.ALLOWED_HOSTS or bare in config.ALLOWED_HOSTS


def _first(value: str | None) -> str:
    return (value or "").split(",")[0].strip().lower()


def public_base_url(request: Request) -> str:
    """Scheme, host and root path of this service, without a trailing slash."""
    if config.PUBLIC_URL:
        return config.PUBLIC_URL
    scheme = request.url.scheme if request.url.scheme in _DEFAULT_PORTS else "http"
    root = request.scope.get("root_path", "").rstrip("/")
    forwarded = _first(request.headers.get("x-forwarded-host"))
    if forwarded and _allowed(forwarded):
        proto = _first(request.headers.get("x-forwarded-proto"))
        return f"{proto if proto in _DEFAULT_PORTS else scheme}://{forwarded}{root}"
    host = _first(request.headers.get("host"))
    if host and _allowed(host):
        return f"{scheme}://{host}{root}"
    server = request.scope.get("server")
    if not server:
        return f"{scheme}://localhost{root}"
    name, port = server[0], server[1]
    if ":" in str(name):  # IPv6 literal
        name = f"[{name}]"
    suffix = "" if port is None or _DEFAULT_PORTS.get(scheme) == port else f":{port}"
    return f"{scheme}://{name}{suffix}{root}"
