"""Recovery needs and after-action reviews (issue 6)."""
