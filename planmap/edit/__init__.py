"""Feature edits (OGC API - Features Part 4): validate, write with its audit record, reload."""
from .rows import feature_etag, store_etag
from .transaction import EditError, create, delete, replace, restore, update

__all__ = ["EditError", "create", "delete", "replace", "restore", "update", "feature_etag",
           "store_etag"]
