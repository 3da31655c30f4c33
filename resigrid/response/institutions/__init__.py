"""Procedures, inspections, drills and improvement items (issue 6)."""
