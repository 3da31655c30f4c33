"""Public bulletins and rumour rebuttals (issue 6)."""
