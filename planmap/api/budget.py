"""A per-request time budget, checked cooperatively where the work loops.

Why cooperative: routes run in worker threads, and a Python thread cannot be killed from
outside; a timeout that only stops *waiting* would answer the client while the work went on
burning a core. So an ASGI middleware stamps each HTTP request with a deadline (a context
variable, which Starlette carries into the worker thread), and the loops that can run long (CQL2
evaluation, node by node and row chunk by row chunk) call :func:`check`, which raises a 503
problem saying what ran out. Outside a request (the CLI, tests calling functions directly) there
is no deadline and :func:`check` does nothing.
"""
from __future__ import annotations

import time
from contextvars import ContextVar

from .. import config
from .errors import ProblemError

_deadline: ContextVar[float | None] = ContextVar("planmap_deadline", default=None)


class BudgetExceeded(ProblemError):
    """The request used up its time budget; answered as 503 with a Retry-After."""

    def __init__(self, what: str):
        super().__init__(503, f"{what} took longer than the {config.REQUEST_BUDGET_S:g} s this "
                              "service allows one request, and was stopped; narrow it (a bbox, fewer "
                              "conditions, fewer % wildcards) and try again",
                         headers={"Retry-After": "10"})


def check(what: str = "the request") -> None:
    """Raise :class:`BudgetExceeded` if this request's deadline has passed."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise BudgetExceeded(what)


def remaining() -> float | None:
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


class BudgetMiddleware:
    """Pure ASGI middleware (not BaseHTTPMiddleware: that would run the app in another task)."""

    def __init__(self, app, budget_s: float | None = None):
        self.app = app
        self.budget_s = budget_s

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        budget = self.budget_s if self.budget_s is not None else config.REQUEST_BUDGET_S
        token = _deadline.set(time.monotonic() + budget)
        try:
            await self.app(scope, receive, send)
        finally:
            _deadline.reset(token)
