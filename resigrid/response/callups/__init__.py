"""Volunteer call-ups and assignments (issue 6)."""
