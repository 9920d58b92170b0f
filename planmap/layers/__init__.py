"""Layer registry, build pipeline and joins."""
