"""What the email channel puts on the wire, read back from the SMTP server."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine

from resigrid.accounts.models import User
from resigrid.notify.channels.mail import message_id
from resigrid.notify.models import Delivery
from resigrid.notify.services import enqueue
from resigrid.notify.worker import run_once
from tests.notify.smtp import SmtpServer

T0 = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


@time_machine.travel(T0, tick=False)
def test_plain_text_with_absolute_link_and_message_id(alice: User, smtp_server: SmtpServer) -> None:
    enqueue(
        topic="case.accepted",
        subject="您的报告已受理：路灯不亮",
        body="编号 C-2026-0001。\n网格员将在两小时内到场。",
        url="/cases/1/",
        users=[alice],
        emails=["anon@example.org"],
    )
    assert run_once(worker="w1", limit=10).sent == 2
    by_rcpt = {r.rcpt_tos[0]: r for r in smtp_server.received}
    assert sorted(by_rcpt) == ["alice@example.org", "anon@example.org"]
    mail = by_rcpt["alice@example.org"]
    row = Delivery.objects.get(channel="email", user=alice)
    assert mail.mail_from == "resigrid@test.example"
    assert mail.message["Subject"] == "您的报告已受理：路灯不亮"
    assert mail.message["From"] == "resigrid@test.example"
    assert mail.message["To"] == "alice@example.org"
    assert (
        mail.message["Message-ID"]
        == f"<notify.delivery.{row.pk}.20261102080000000000@grid.example.org>"
    )
    assert mail.message["X-Resigrid-Delivery"] == str(row.pk)
    assert mail.message.get_content_type() == "text/plain"
    assert mail.text == (
        "编号 C-2026-0001。\n网格员将在两小时内到场。\n\n"
        "Open it in Resigrid: https://grid.example.org/cases/1/\n"
    )
    assert row.external_id == mail.message["Message-ID"]
    other = Delivery.objects.get(address="anon@example.org")
    assert by_rcpt["anon@example.org"].message["Message-ID"] == (
        f"<notify.delivery.{other.pk}.20261102080000000000@grid.example.org>"
    )


@time_machine.travel(T0, tick=False)
def test_no_link_for_an_unsafe_url_and_the_subject_for_an_empty_body(
    smtp_server: SmtpServer,
) -> None:
    enqueue(topic="t", subject="提醒", url="https://evil.example/", emails=["a@example.org"])
    enqueue(topic="t", subject="提醒", url="/notify/", emails=["b@example.org"])
    assert run_once(worker="w1", limit=10).sent == 2
    texts = {r.rcpt_tos[0]: r.text for r in smtp_server.received}
    assert texts == {
        "a@example.org": "提醒\n",
        "b@example.org": "提醒\n\nOpen it in Resigrid: https://grid.example.org/notify/\n",
    }


@time_machine.travel(T0, tick=False)
def test_uses_smtp_even_though_tests_swap_the_email_backend(
    smtp_server: SmtpServer, mailoutbox: list[object]
) -> None:
    enqueue(topic="t", subject="s", emails=["a@example.org"])
    assert run_once(worker="w1", limit=10).sent == 1
    assert (len(smtp_server.received), len(mailoutbox)) == (1, 0)


def test_message_id_stays_unique_when_ids_start_again(settings: Any) -> None:
    settings.SITE_URL = "https://grid.example.org/"
    first = Delivery(pk=7, created_at=T0)
    again = Delivery(pk=7, created_at=T0 + dt.timedelta(days=400, microseconds=5))
    assert message_id(first) == "<notify.delivery.7.20261102080000000000@grid.example.org>"
    assert message_id(again) == "<notify.delivery.7.20271207080000000005@grid.example.org>"
