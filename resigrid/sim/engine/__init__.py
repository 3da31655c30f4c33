"""The pure simulation engine: NumPy/SciPy only, no Django (an import contract enforces it).

Epidemic: `population` (input arrays, synthetic generator), `params`, `interventions`,
`epidemic` (one run), `ensemble` (replicates of strategies in processes).
"""
