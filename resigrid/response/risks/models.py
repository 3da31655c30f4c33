"""Models of risk register (风险清单)."""
