"""Models of this app (filled by the registries work)."""
