"""The incident command dashboard and the situation report: they read every response sub-app
through its `summary.for_incident` (issue 6)."""
