"""FastAPI dependencies: the layer store lives on ``app.state`` and is shared by all routes."""
from __future__ import annotations

from fastapi import Request

from ..store import LayerStore


def get_store(request: Request) -> LayerStore:
    """The app's store, reloaded first if its GeoPackage changed on disk (another replica's import)."""
    store: LayerStore = request.app.state.store
    store.refresh_if_changed()
    return store
