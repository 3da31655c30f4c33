"""Models of sweeps contacting every vulnerable person."""
