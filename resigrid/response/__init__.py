"""Emergency response: plans, incidents, call-ups, assignment, allocation, sweeps, bulletins.

Pure rules live here first (`risk_rules`); the Django app comes later (issue 6).
"""
