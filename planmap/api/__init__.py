"""The HTTP API: OGC API - Features over the layer store, plus planmap's own endpoints."""
