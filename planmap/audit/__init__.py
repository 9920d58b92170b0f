"""The audit trail (强制留痕): one hash-chained record per change, in the GeoPackage itself."""
from .log import AuditError, Actor, append, history, query, verify

__all__ = ["AuditError", "Actor", "append", "history", "query", "verify"]
