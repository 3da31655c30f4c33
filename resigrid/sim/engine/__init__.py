"""The pure simulation engine: NumPy/SciPy only, no Django (an import contract enforces it)."""
