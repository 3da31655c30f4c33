"""Group robots: WeCom (企业微信群机器人) and DingTalk (钉钉自定义机器人, signed).

Both take a JSON POST to the robot's webhook and answer HTTP 200 with {"errcode": 0, "errmsg":
"ok"} on success; any other errcode is a failure (retried), even under HTTP 200. Both allow 20
messages a minute per robot: a send first takes one of the robot's slots (resigrid.notify.robots);
without one the delivery is deferred, not failed. When the service still says "too fast" (another
system posting through the same robot) the robot cools down for everyone.

Neither service knows idempotency keys: the `Idempotency-Key` and `X-Resigrid-Delivery` headers
let a proxy or a log recognise a resend, but a worker killed between the POST and recording it,
or a timeout after the service accepted the message, can post a message twice to the group."""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Any

import httpx
from django.conf import settings
from django.utils import timezone

from resigrid.notify import robots
from resigrid.notify.channels import http
from resigrid.notify.channels.base import ChannelError, Deferred, SendResult
from resigrid.notify.models import Channel, Robot
from resigrid.notify.rules import absolute_url, client_ref, dingtalk_sign, robot_text

if TYPE_CHECKING:
    from resigrid.notify.models import Delivery


def timeout() -> float:
    return float(getattr(settings, "NOTIFY_WEBHOOK_TIMEOUT", 10))


class RobotChannel:
    channel: str = ""
    label: str = ""
    # errcode → how long the service throttles the robot (seconds) after "too fast".
    rate_limited: dict[int, int] = {}
    text_max_bytes = 2048
    markdown_max_bytes = 4096

    def payload(self, robot: Robot, delivery: Delivery) -> dict[str, Any]:
        raise NotImplementedError

    def params(self, robot: Robot) -> dict[str, str]:
        return {}

    def text(self, robot: Robot, delivery: Delivery) -> str:
        message = delivery.message
        markdown = robot.message_format == Robot.Format.MARKDOWN
        return robot_text(
            message.subject,
            message.body,
            absolute_url(settings.SITE_URL, message.url),
            markdown=markdown,
            max_bytes=self.markdown_max_bytes if markdown else self.text_max_bytes,
        )

    def send(self, delivery: Delivery) -> SendResult:
        robot = delivery.robot
        if robot is None:
            raise ChannelError("no robot", permanent=True)
        if not robot.active:
            raise ChannelError(f"robot {robot.pk} is switched off", permanent=True)
        wait = robots.acquire_slot(robot_id=robot.pk)
        if wait is not None:
            raise Deferred(wait, f"robot {robot.pk}: {robots.rate_limit()} sends a minute used")
        ref = client_ref(delivery.pk, delivery.created_at)
        # The webhook's own query (key / access_token) stays; DingTalk's signature is added to it.
        url = httpx.URL(robot.webhook_url()).copy_merge_params(self.params(robot))
        response = http.request(
            "POST",
            str(url),
            timeout=timeout(),
            label=self.label,
            json=self.payload(robot, delivery),
            headers={"Idempotency-Key": ref, "X-Resigrid-Delivery": ref},
        )
        http.check_status(response, self.label)
        answer = http.json_object(response, self.label)
        code = answer.get("errcode")
        if code == 0:
            return SendResult(external_id=str(answer.get("msgid", ""))[:120])
        errmsg = str(answer.get("errmsg", ""))[:200]
        if isinstance(code, int) and code in self.rate_limited:
            until = timezone.now() + dt.timedelta(seconds=self.rate_limited[code])
            robots.cool_down(robot_id=robot.pk, until=until)
            raise ChannelError(f"{self.label}: errcode {code}: {errmsg}", retry_at=until)
        raise ChannelError(f"{self.label}: errcode {code}: {errmsg}")


class WeComChannel(RobotChannel):
    channel: str = Channel.WECOM
    label = "WeCom"
    rate_limited = {45009: 60}  # "api freq out of limit"
    text_max_bytes = 2048
    markdown_max_bytes = 4096

    def payload(self, robot: Robot, delivery: Delivery) -> dict[str, Any]:
        kind = "markdown" if robot.message_format == Robot.Format.MARKDOWN else "text"
        return {"msgtype": kind, kind: {"content": self.text(robot, delivery)}}


class DingTalkChannel(RobotChannel):
    channel: str = Channel.DINGTALK
    label = "DingTalk"
    rate_limited = {130101: 600}  # "send too fast, exceed 20 times per minute": 10 min throttle
    text_max_bytes = 4096
    markdown_max_bytes = 4096

    def params(self, robot: Robot) -> dict[str, str]:
        secret = robot.secret()
        if not secret:
            raise ChannelError("DingTalk: the robot has no signing secret", permanent=True)
        stamp = int(time.time() * 1000)
        return {"timestamp": str(stamp), "sign": dingtalk_sign(secret, stamp)}

    def payload(self, robot: Robot, delivery: Delivery) -> dict[str, Any]:
        text = self.text(robot, delivery)
        if robot.message_format == Robot.Format.MARKDOWN:
            title = delivery.message.subject[:64]
            return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        return {"msgtype": "text", "text": {"content": text}}
