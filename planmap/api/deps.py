"""FastAPI dependencies: the layer store lives on ``app.state`` and is shared by all routes."""
from __future__ import annotations

from fastapi import Request

from ..store import LayerStore


def get_store(request: Request) -> LayerStore:
    return request.app.state.store
