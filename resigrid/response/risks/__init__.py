"""Risk register (风险清单) (issue 6)."""
