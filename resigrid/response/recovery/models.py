"""Models of recovery needs and after-action reviews."""
