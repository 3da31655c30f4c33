"""Models of public bulletins and rumour rebuttals."""
