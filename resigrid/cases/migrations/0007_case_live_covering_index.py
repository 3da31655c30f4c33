"""On PostgreSQL, the cases the metrics count live (not in the rollup) get a covering index:
the live aggregate reads it alone (an index-only scan) instead of the whole table, wherever
those cases lie in it. SQLite has no covering indexes; `case_live_idx` serves it."""

from typing import Any

from django.db import migrations

COLUMNS = (
    "state", "priority", "accepted_at", "registered_at", "dispatched_at", "handled_at",
    "closed_at", "closed_on_time", "was_suspended", "suspended_at", "rework_count", "rating",
    "resolution", "handle_due", "stage_due", "grid_id", "lead_unit_id", "category_id",
    "reporter_id", "id",
)  # fmt: skip


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS case_live_cover_idx ON cases_case (reported_at) "
        f"INCLUDE ({', '.join(COLUMNS)}) WHERE NOT in_rollup"
    )


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS case_live_cover_idx")


class Migration(migrations.Migration):
    dependencies = [("cases", "0006_case_columns_db_defaults")]

    operations = [migrations.RunPython(create, drop)]
