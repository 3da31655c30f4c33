"""Emergency plans (预案) (issue 6)."""
