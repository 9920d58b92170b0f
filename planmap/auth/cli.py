"""``planmap token create|list|revoke`` and ``planmap audit verify|log``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _path(data: str | None) -> Path:
    from ..config import default_data_path  # noqa: PLC0415
    return Path(data) if data else default_data_path()


def _token_create(args: argparse.Namespace) -> int:
    from .tokens import TokenError, create_token  # noqa: PLC0415
    try:
        token = create_token(_path(args.data), args.name, args.role)
    except TokenError as exc:
        print(f"planmap token create: {exc}", file=sys.stderr)
        return 2
    print(f"created account {args.name!r} with role {args.role} in {_path(args.data)}.")
    print("The token is shown this once; only its hash is stored. Send it as "
          "`Authorization: Bearer TOKEN`:")
    print(token)
    return 0


def _token_list(args: argparse.Namespace) -> int:
    from .tokens import TokenError, list_tokens  # noqa: PLC0415
    try:
        rows = list_tokens(_path(args.data))
    except TokenError as exc:
        print(f"planmap token list: {exc}", file=sys.stderr)
        return 2
    if not rows:
        print("no accounts yet: `planmap token create --name NAME --role admin` makes the first")
    for r in rows:
        state = f"revoked {r['revoked']}" if r["revoked"] else "active"
        print(f"{r['name']:24s} {r['role']:7s} created {r['created']}  {state}")
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    from .tokens import TokenError, revoke_token  # noqa: PLC0415
    try:
        revoke_token(_path(args.data), args.name)
    except TokenError as exc:
        print(f"planmap token revoke: {exc}", file=sys.stderr)
        return 2
    print(f"revoked {args.name!r}: its token is refused from now on")
    return 0


def _audit_verify(args: argparse.Namespace) -> int:
    from ..audit import verify  # noqa: PLC0415
    path = _path(args.data)
    if not path.exists():
        print(f"planmap audit verify: {path}: no such file", file=sys.stderr)
        return 2
    result = verify(path)
    if result.ok:
        print(f"{path}: {result.records} audit records, chain and sealed head intact")
        return 0
    print(f"{path}: the audit trail FAILS its check ({result.records} records):", file=sys.stderr)
    for p in result.problems:
        print(f"  {p}", file=sys.stderr)
    return 1


def add_subparsers(sub, data_help: str) -> None:
    t = sub.add_parser("token", help="create, list or revoke API tokens (accounts)",
                       description="API tokens: each names an account with a role (viewer, "
                                   "editor, admin). Only a hash of each token is stored.")
    tsub = t.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    c = tsub.add_parser("create", help="make an account and print its token once",
                        description="Make an account; its token is printed once, alone on the "
                                    "last line.")
    c.add_argument("--name", required=True,
                   help="the account's name, as the audit trail will show it, e.g. --name wang.li")
    c.add_argument("--role", required=True, choices=["viewer", "editor", "admin"],
                   help="viewer reads (when reads need a token), editor also writes, admin also "
                        "reads the audit trail")
    c.add_argument("--data", default=None, help=data_help.format("keep the account in"))
    c.set_defaults(func=_token_create)
    ls = tsub.add_parser("list", help="list accounts (never their tokens)",
                         description="List every account: name, role, when created, revoked or not.")
    ls.add_argument("--data", default=None, help=data_help.format("read the accounts of"))
    ls.set_defaults(func=_token_list)
    rv = tsub.add_parser("revoke", help="refuse an account's token from now on",
                         description="Revoke an account; a running server refuses its token at once.")
    rv.add_argument("name", help="the account's name, as `planmap token list` shows it")
    rv.add_argument("--data", default=None, help=data_help.format("revoke the account in"))
    rv.set_defaults(func=_token_revoke)

    a = sub.add_parser("audit", help="check the audit trail",
                       description="The audit trail: one hash-chained record per change.")
    asub = a.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    v = asub.add_parser("verify", help="check every record's hash and the sealed head; exit 1 "
                                       "when the trail was tampered with",
                        description="Check the hash chain and its sealed head; exits 1 and "
                                    "names each problem when a record was edited or deleted.")
    v.add_argument("--data", default=None, help=data_help.format("check"))
    v.set_defaults(func=_audit_verify)
