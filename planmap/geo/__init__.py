"""Coordinate systems, Chinese coordinate obfuscations, measurement and geometry repair."""
