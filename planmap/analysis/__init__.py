"""Spatial analysis over the layer store: point/intersects/nearby queries and the siting check."""
