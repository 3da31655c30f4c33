"""Email through SMTP. Always Django's SMTP backend with the EMAIL_* settings, never
settings.EMAIL_BACKEND: the test runner swaps that for locmem, and tests talk to a real SMTP
server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import smtplib
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext as _

from resigrid.notify import links
from resigrid.notify.channels.base import ChannelError, SendResult
from resigrid.notify.models import Channel
from resigrid.notify.rules import absolute_url

if TYPE_CHECKING:
    from resigrid.notify.models import Delivery

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def message_id(delivery: Delivery) -> str:
    """The same for every attempt of a delivery, so a resend after a crash is recognisable
    (mail clients and servers fold duplicates by Message-ID). The row's creation time keeps it
    unique when ids start again (a new database): a reused id must not look like a duplicate."""
    host = urlsplit(settings.SITE_URL).hostname or "resigrid.localhost"
    stamp = delivery.created_at.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S%f")
    return f"<notify.delivery.{delivery.pk}.{stamp}@{host}>"


def address_of(delivery: Delivery) -> str:
    if delivery.address:
        return delivery.address
    return delivery.user.email if delivery.user is not None else ""


def text_of(delivery: Delivery) -> str:
    """Plain text: the body (the subject when there is none), then an absolute link when the
    message has one."""
    message = delivery.message
    parts = [message.body.strip() or message.subject]
    link = absolute_url(settings.SITE_URL, message.url)
    if link:
        parts.append(_("Open it in Resigrid: %(link)s") % {"link": link})
    personal = links.link_for(delivery)
    if personal:
        parts.append(_("Confirm you received it: %(link)s") % {"link": personal})
    return "\n\n".join(parts) + "\n"


def _permanent(exc: smtplib.SMTPException) -> bool:
    """Refusals with a 5xx code cannot succeed later; everything else (4xx, network) can."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return False


class EmailChannel:
    channel: str = Channel.EMAIL

    def send(self, delivery: Delivery) -> SendResult:
        to = address_of(delivery)
        if not to:
            raise ChannelError("no email address", permanent=True)
        mid = message_id(delivery)
        connection = get_connection(
            SMTP_BACKEND,
            fail_silently=False,
            host=settings.EMAIL_HOST,
            port=settings.EMAIL_PORT,
            username=settings.EMAIL_HOST_USER,
            password=settings.EMAIL_HOST_PASSWORD,
            use_tls=settings.EMAIL_USE_TLS,
            timeout=settings.EMAIL_TIMEOUT,
        )
        email = EmailMessage(
            subject=delivery.message.subject,
            body=text_of(delivery),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to],
            headers={"Message-ID": mid, "X-Resigrid-Delivery": str(delivery.pk)},
            connection=connection,
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPException as exc:
            raise ChannelError(f"SMTP: {exc}", permanent=_permanent(exc)) from exc
        except OSError as exc:  # refused, unreachable, timed out
            raise ChannelError(f"SMTP connection: {exc}") from exc
        return SendResult(external_id=mid)
