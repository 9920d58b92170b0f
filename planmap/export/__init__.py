"""Layer exports for desktop GIS: files in any supported CRS, and one styled GeoPackage."""
