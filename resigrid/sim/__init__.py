"""Simulation and decision support on the community's own data (issue 7)."""
