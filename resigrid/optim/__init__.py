"""Pure optimisation solvers shared by response and simulation (no Django): transport / min-cost flow, assignment."""
