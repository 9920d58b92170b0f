"""Land-cover rasters: class schemes, the catalog of registered COGs, PNG tiles."""
