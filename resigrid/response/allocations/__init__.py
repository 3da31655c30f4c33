"""Allocation of relief supplies to grids (issue 6)."""
