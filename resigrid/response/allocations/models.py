"""Models of allocation of relief supplies to grids."""
