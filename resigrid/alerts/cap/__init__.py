"""CAP 1.2 interchange: export (export.py), the XSD and safe parsing (schema.py), import
(importer.py) and feed polling (feeds.py). The records of what was imported and of each polled
feed live in models.py (registered with the alerts app)."""
