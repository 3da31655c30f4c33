"""SMS delivery receipts from the gateway: checked, recorded once per gateway message id, and
applied to their delivery (delivered → `delivered_at`; failed → the delivery gives up and the
person's next channel takes over, in the same transaction).

The callback body is a JSON object or an array of them:
  {"message_id": "...", "client_ref": "...", "status": "delivered" | "failed" | <other>,
   "error": "...", "at": "2026-11-02T08:00:05Z"}
signed with NOTIFY_SMS_RECEIPT_SECRET: header `X-Resigrid-Timestamp` (Unix seconds) and
`X-Resigrid-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from resigrid.notify import links
from resigrid.notify.models import Channel, Delivery, SmsReceipt
from resigrid.notify.rules import delivery_id_from_ref
from resigrid.notify.services import fall_back

DELIVERED = "delivered"
FAILED = "failed"
MAX_ITEMS = 1000


@dataclass
class ReceiptResult:
    recorded: int = 0
    duplicates: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def _text(item: dict[str, Any], name: str, limit: int) -> str:
    value = item.get(name, "")
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValueError(f"{name} must be a string")
    text = str(value).strip()
    if len(text) > limit:
        raise ValueError(f"{name} is longer than {limit} characters")
    return text


def _parse(item: Any) -> tuple[str, str, str, str, dt.datetime | None]:
    if not isinstance(item, dict):
        raise ValueError("each receipt must be a JSON object")
    message_id = _text(item, "message_id", 120)
    client_ref = _text(item, "client_ref", 120)
    status = _text(item, "status", 20).lower()
    error = _text(item, "error", 200)
    if not message_id:
        raise ValueError("message_id is required")
    if not status:
        raise ValueError("status is required")
    at: dt.datetime | None = None
    raw_at = item.get("at")
    if raw_at not in (None, ""):
        at = parse_datetime(str(raw_at)) if isinstance(raw_at, str) else None
        if at is None:
            raise ValueError("at must be an ISO 8601 date and time")
        if timezone.is_naive(at):
            at = timezone.make_aware(at, dt.UTC)
    return message_id, client_ref, status, error, at


def _delivery_for(message_id: str, client_ref: str) -> Delivery | None:
    pk = delivery_id_from_ref(client_ref) if client_ref else None
    qs = Delivery.objects.select_for_update().filter(channel=Channel.SMS)
    if pk is not None:
        row = qs.filter(pk=pk).first()
        if row is not None:
            return row
    return qs.filter(external_id=message_id).first()


def _apply(row: Delivery, status: str, error: str, at: dt.datetime | None) -> None:
    now = timezone.now()
    if status == DELIVERED and row.delivered_at is None:
        Delivery.objects.filter(pk=row.pk).update(delivered_at=at or now)
        links.delivered(row, at=at or now)
    elif status == FAILED and row.status == Delivery.Status.SENT and row.delivered_at is None:
        Delivery.objects.filter(pk=row.pk).update(
            status=Delivery.Status.DEAD, last_error=f"gateway receipt: failed {error}".strip()
        )
        fall_back(row)


def record(items: list[Any]) -> ReceiptResult:
    """Record each receipt; a bad item is reported by its index and the good ones are kept.
    A receipt already recorded with the same status is a duplicate and changes nothing."""
    result = ReceiptResult()
    for index, item in enumerate(items[:MAX_ITEMS]):
        try:
            message_id, ref, status, error, at = _parse(item)
        except ValueError as exc:
            result.errors.append({"index": index, "error": str(exc)})
            continue
        with transaction.atomic():
            receipt = SmsReceipt.objects.select_for_update().filter(message_id=message_id).first()
            if receipt is not None and receipt.status == status:
                result.duplicates += 1
                continue
            row = _delivery_for(message_id, ref)
            if row is None:
                result.errors.append(
                    {"index": index, "error": f"no SMS delivery for client_ref {ref!r}"}
                )
                continue
            if receipt is None:
                SmsReceipt.objects.create(
                    message_id=message_id,
                    client_ref=ref,
                    delivery=row,
                    status=status,
                    error=error,
                    reported_at=at,
                )
            else:  # a later state of the same message (e.g. sent → delivered)
                receipt.status, receipt.error, receipt.reported_at = status, error, at
                receipt.save(update_fields=["status", "error", "reported_at", "updated_at"])
            _apply(row, status, error, at)
            result.recorded += 1
    for index in range(MAX_ITEMS, len(items)):
        result.errors.append({"index": index, "error": f"at most {MAX_ITEMS} receipts a call"})
    return result
