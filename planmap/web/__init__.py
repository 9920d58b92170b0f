"""The planners' map: Folium pages built from the layer store and the layer registry."""
