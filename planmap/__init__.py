"""planmap: Tianjin's twin-city spatial plan as map layers, an OGC API and planners' maps."""

__version__ = "0.1.0"


_NOTEBOOK = ("layer", "list_layers", "planners_map")


def __getattr__(name: str):
    """``planmap.layer`` / ``list_layers`` / ``planners_map`` load geopandas and folium on first use
    only, so ``import planmap`` (the CLI's first step) stays light."""
    if name in _NOTEBOOK:
        from . import notebook  # noqa: PLC0415

        return getattr(notebook, name)
    raise AttributeError(f"module 'planmap' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_NOTEBOOK])
