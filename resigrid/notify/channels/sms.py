"""SMS through an HTTP gateway (generic JSON protocol, endpoint and key in settings).

Send:   POST NOTIFY_SMS_URL  {"to", "text", "client_ref"}  (Authorization: Bearer NOTIFY_SMS_KEY)
        → 2xx {"message_id": "..."}; 409 with {"message_id"} = already accepted under that
        client_ref (the gateway deduplicates on it); 2xx without a message id or with "error" is
        a failure; 429/5xx retried; other 4xx (a malformed number) given up.
Status: GET NOTIFY_SMS_STATUS_URL?client_ref=…  → 200 {"message_id", "status"} known, 404 unknown.

No blind resend: when an attempt ended without an answer (timeout after sending, connection
dropped, or its worker died holding the lease) the delivery is `uncertain`, and the next attempt
first asks the status endpoint; it sends again only when the gateway answers that it does not
know the client_ref. Receipts arrive at /notify/sms/receipts (resigrid.notify.receipts)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from resigrid.core.pii import decrypt
from resigrid.notify import links
from resigrid.notify.channels import http
from resigrid.notify.channels.base import ChannelError, SendResult
from resigrid.notify.models import Channel, ChannelPreference
from resigrid.notify.rules import absolute_url, client_ref

if TYPE_CHECKING:
    from resigrid.notify.models import Delivery

LABEL = "SMS gateway"


def _setting(name: str, default: str = "") -> str:
    return str(getattr(settings, name, default) or default)


def timeout() -> float:
    return float(getattr(settings, "NOTIFY_SMS_TIMEOUT", 10))


def phone_of(delivery: Delivery) -> str:
    if delivery.address_enc:
        return decrypt(delivery.address_enc)
    if delivery.user_id is None:
        return ""
    pref = ChannelPreference.objects.filter(user_id=delivery.user_id).first()
    return pref.phone() if pref is not None else ""


def text_of(delivery: Delivery) -> str:
    """Subject, body and link on one message, cut to NOTIFY_SMS_MAX_CHARS (the links are
    kept). A per-recipient link from a hook (a signed acknowledgement link) replaces the
    message's own link: one link is what fits an SMS, and it opens the same alert."""
    message = delivery.message
    limit = int(getattr(settings, "NOTIFY_SMS_MAX_CHARS", 500))
    link = links.link_for(delivery) or absolute_url(settings.SITE_URL, message.url)
    head = message.subject
    body = message.body.strip()
    text = f"{head}\n{body}" if body else head
    tail = f"\n{link}" if link else ""
    room = max(limit - len(tail), 0)
    if len(text) > room:
        text = text[: max(room - 1, 0)] + "…"
    return text + tail


def _headers() -> dict[str, str]:
    key = _setting("NOTIFY_SMS_KEY")
    return {"Authorization": f"Bearer {key}"} if key else {}


def _message_id(answer: dict[str, object]) -> str:
    value = answer.get("message_id")
    return str(value)[:120] if isinstance(value, str | int) and str(value) else ""


def lookup(ref: str) -> str | None:
    """The gateway's message id for our reference, or None when it does not know it. Raises
    ChannelError (still uncertain) when it cannot tell."""
    url = _setting("NOTIFY_SMS_STATUS_URL")
    response = http.request(
        "GET",
        url,
        timeout=timeout(),
        label=f"{LABEL} status",
        params={"client_ref": ref},
        headers=_headers(),
    )
    if response.status_code == 404:
        return None
    if response.status_code != 200:
        raise ChannelError(
            f"{LABEL} status: HTTP {response.status_code}: {response.text[:200]}", uncertain=True
        )
    message_id = _message_id(http.json_object(response, f"{LABEL} status"))
    if not message_id:
        raise ChannelError(f"{LABEL} status: no message_id in the answer", uncertain=True)
    return message_id


class SmsChannel:
    channel: str = Channel.SMS

    def send(self, delivery: Delivery) -> SendResult:
        url = _setting("NOTIFY_SMS_URL")
        if not url:
            raise ChannelError("no SMS gateway configured (NOTIFY_SMS_URL)", permanent=True)
        to = phone_of(delivery)
        if not to:
            raise ChannelError("no phone number", permanent=True)
        ref = client_ref(delivery.pk, delivery.created_at)
        if delivery.uncertain and _setting("NOTIFY_SMS_STATUS_URL"):
            known = lookup(ref)
            if known is not None:  # the earlier attempt did arrive: do not send it again
                return SendResult(external_id=known)
        response = http.request(
            "POST",
            url,
            timeout=timeout(),
            label=LABEL,
            json={"to": to, "text": text_of(delivery), "client_ref": ref},
            headers={**_headers(), "Idempotency-Key": ref},
        )
        if response.status_code == 409:  # already accepted under this client_ref
            known = _message_id(http.json_object(response, LABEL))
            if known:
                return SendResult(external_id=known)
        http.check_status(response, LABEL)
        answer = http.json_object(response, LABEL)
        message_id = _message_id(answer)
        if answer.get("error") or not message_id:
            reason = str(answer.get("error") or "no message_id in the answer")[:200]
            raise ChannelError(f"{LABEL}: {reason}")
        return SendResult(external_id=message_id)
