"""Incidents and their command posts (issue 6)."""
