"""planmap: Tianjin's twin-city spatial plan as map layers, an OGC API and planners' maps."""

__version__ = "0.1.0"
