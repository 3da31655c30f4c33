"""Sweeps contacting every vulnerable person (issue 6)."""
