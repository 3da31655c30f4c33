"""Many rows updated with one statement per batch: Django's `bulk_update` builds a CASE WHEN per
row and field, which costs tens of milliseconds per thousand rows in Python alone. PostgreSQL
here joins an UNNEST of typed arrays (one statement); other databases run executemany."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.db.models import BooleanField, Expression, F


def update_rows(model: type[models.Model], fields: Sequence[str], objs: Sequence[Any]) -> None:
    """UPDATE the `fields` of each object (by primary key) to the object's attribute values."""
    if not objs:
        return
    meta = model._meta
    cols: list[Any] = [meta.get_field(name) for name in fields]
    pk = meta.pk
    assert pk is not None  # noqa: S101
    qn = connection.ops.quote_name
    table = qn(meta.db_table)

    def prep(obj: Any, field: Any) -> Any:
        return field.get_db_prep_save(getattr(obj, field.attname), connection)

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join(qn(f.column) for f in cols)
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in cols)
            sets = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in cols)
            sql = (
                f"UPDATE {table} AS t SET {sets} "  # noqa: S608 - names from the model
                f"FROM UNNEST(%s::bigint[], {arrays}) AS v(_pk, {names}) "
                f"WHERE t.{qn(pk.column)} = v._pk"
            )
            params = [[obj.pk for obj in objs]] + [[prep(o, f) for o in objs] for f in cols]
            cursor.execute(sql, params)
        else:
            sets = ", ".join(f"{qn(f.column)} = %s" for f in cols)
            sql = f"UPDATE {table} SET {sets} WHERE {qn(pk.column)} = %s"  # noqa: S608
            cursor.executemany(sql, [[prep(o, f) for f in cols] + [o.pk] for o in objs])


class ValueIn(Expression):
    """`field IN (values)` as one array parameter on PostgreSQL (`= ANY(%s)`), so that a
    thousand values do not make a thousand placeholders for the driver to splice; a plain IN
    elsewhere. Use in `.filter(ValueIn("code", codes, "varchar"))`."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, field: str, values: Iterable[Any], db_type: str) -> None:
        super().__init__()
        self.lhs: Any = F(field)
        self.values = list(values)
        self.db_type = db_type

    def get_source_expressions(self) -> list[Any]:
        return [self.lhs]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.lhs,) = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        lhs, params = compiler.compile(self.lhs)
        if not self.values:
            return "1 = 0", []
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::{self.db_type}[])", [*params, self.values]
        marks = ", ".join(["%s"] * len(self.values))
        return f"{lhs} IN ({marks})", [*params, *self.values]


def insert_readings(rows: Sequence[tuple[int, Any, float]]) -> None:
    """INSERT (sensor_id, at, value) rows, skipping any already stored (same sensor and time):
    one UNNEST statement on PostgreSQL, executemany elsewhere; no model instances."""
    if not rows:
        return
    from resigrid.monitoring.models import Reading

    qn = connection.ops.quote_name
    table = qn(Reading._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (sensor_id, at, value) "  # noqa: S608 - the model's table
                "SELECT * FROM UNNEST(%s::bigint[], %s::timestamptz[], %s::float8[]) "
                "ON CONFLICT DO NOTHING",
                [[r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]],
            )
        elif connection.vendor == "sqlite":
            adapt = connection.ops.adapt_datetimefield_value
            cursor.executemany(
                f"INSERT OR IGNORE INTO {table} (sensor_id, at, value) VALUES (%s, %s, %s)",  # noqa: S608
                [(sid, adapt(at), value) for sid, at, value in rows],
            )
        else:
            Reading.objects.bulk_create(
                [Reading(sensor_id=sid, at=at, value=value) for sid, at, value in rows],
                batch_size=1000,
                ignore_conflicts=True,
            )
