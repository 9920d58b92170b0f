"""Accounts: API tokens with a role (viewer < editor < admin), kept as hashes in the GeoPackage."""
from .tokens import ROLES, Account, TokenError, create_token, list_tokens, lookup, revoke_token

__all__ = ["ROLES", "Account", "TokenError", "create_token", "list_tokens", "lookup", "revoke_token"]
