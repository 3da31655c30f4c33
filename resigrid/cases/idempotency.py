"""`Idempotency-Key` for mobile submissions: a retry gets the first answer back.

The key is scoped to its owner: the user's id, or "anon" for anonymous clients (whose random
keys are their own secret). The first request inserts the key row *before* doing the work, in
the same transaction (one `INSERT … ON CONFLICT DO NOTHING`, no savepoint), and fills in the
answer at the end. A concurrent retry's insert waits on the unique constraint until the first
commits (PostgreSQL) or cannot start before it (SQLite's IMMEDIATE transactions), then reads
the stored answer, so the work is never done twice.

Only answers of requests that did something are kept: a refused request (4xx) rolls back with
the key row, wrote nothing, and may be sent again under the same key (corrected or not). The
same key with a different request (body, path or method) is answered 422 naming the
`Idempotency-Key` header (the issue allows 409 or 422; 422 because the request itself is wrong,
not the state of the resource).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.cases.models import IdempotentRequest

HEADER = "Idempotency-Key"
MAX_KEY = 80


class IdempotencyKeyError(Exception):
    """The key is malformed or was used for another request; `message` says which."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind

    def detail(self) -> list[dict[str, Any]]:
        return [{"loc": ["header", HEADER], "msg": self.message, "type": self.kind}]


def owner_of(user: Any) -> str:
    if getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return "anon"


def fingerprint(method: str, path: str, body: Any) -> str:
    """SHA-256 of the request's meaning: method, path and the parsed body with sorted keys (so
    that whitespace, key order or a new multipart boundary do not count as a change)."""
    canonical = json.dumps(
        {"method": method, "path": path, "body": body},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        cls=DjangoJSONEncoder,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def jsonable(body: Any) -> Any:
    """The body as it travels: what is stored is exactly what the first answer carried."""
    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


def check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY or any(not 0x21 <= ord(c) <= 0x7E for c in key):
        raise IdempotencyKeyError(
            _("The Idempotency-Key must be 1 to %(n)d visible ASCII characters.") % {"n": MAX_KEY},
            "idempotency_key_invalid",
        )


def _claim(key: str, owner: str, request_fingerprint: str) -> bool:
    """Insert the key row unless the key is taken: True when this request claimed it. One
    statement and no savepoint (`ON CONFLICT DO NOTHING`, PostgreSQL and SQLite alike); on
    PostgreSQL it waits for a concurrent first request with the key to end."""
    table = IdempotentRequest._meta.db_table
    q = connection.ops.quote_name
    # The field names are the column names (no db_column on this model).
    columns = ", ".join(
        q(name) for name in ("key", "owner", "fingerprint", "status_code", "response", "created_at")
    )
    unique = f"{q('owner')}, {q('key')}"
    sql = (
        f"INSERT INTO {q(table)} ({columns}) "  # noqa: S608 - names from the model
        f"VALUES (%s, %s, %s, 0, '{{}}', %s) ON CONFLICT ({unique}) DO NOTHING"
    )
    created = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [key, owner, request_fingerprint, created])
        return bool(cursor.rowcount == 1)


def once(
    *,
    key: str | None,
    user: Any,
    request_fingerprint: str,
    run: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    """(status, body) of `run()`, or of its first run under `key`. `run` does the work (its
    services open nested transactions) and returns a body made of JSON types or things
    DjangoJSONEncoder knows; domain errors propagate and leave nothing behind."""
    if key is None:
        with transaction.atomic():
            status, body = run()
            return status, jsonable(body)
    check_key(key)
    owner = owner_of(user)
    with transaction.atomic():
        if _claim(key, owner, request_fingerprint):
            status, body = run()
            body = jsonable(body)
            IdempotentRequest.objects.filter(owner=owner, key=key).update(
                status_code=status, response=body
            )
            return status, body
    # The key is taken by a committed first request: answer as it was answered.
    first = IdempotentRequest.objects.get(owner=owner, key=key)
    if first.fingerprint != request_fingerprint:
        raise IdempotencyKeyError(
            _("This Idempotency-Key was already used for a different request."),
            "idempotency_key_reused",
        )
    return first.status_code, first.response
