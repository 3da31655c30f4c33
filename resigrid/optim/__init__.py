"""Pure optimisation solvers shared by response and simulation (no Django).

Transport / min-cost flow (`transport`), volunteer assignment (`assignment`), distances (`geo`).
"""
