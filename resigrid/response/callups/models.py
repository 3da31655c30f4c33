"""Models of volunteer call-ups and assignments."""
