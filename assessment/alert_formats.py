"""What an alert looks like in each chat, and how each chat checks that it came from us.

Pure: an ``Alert`` (its title, lines and link, already in the channel's language) becomes
the JSON body, extra headers and URL that one kind of channel takes. Each chat has its own
format and limits (docs/operations.md, "Alerts in chat"):

- Slack incoming webhook: ``{"text": ...}`` (mrkdwn);
- Microsoft Teams (a workflow's webhook): a message with an Adaptive Card;
- WeCom (企业微信) group bot: ``msgtype`` markdown, at most 4,096 bytes;
- DingTalk (钉钉) group bot: ``msgtype`` markdown, its URL signed with the bot's secret
  (``timestamp`` in ms and ``sign`` = base64 HMAC-SHA256 of "timestamp\\nsecret");
- Feishu / Lark (飞书) bot: ``msg_type`` text with ``timestamp`` and ``sign`` (base64
  HMAC-SHA256 keyed with "timestamp\\nsecret" over nothing) in the body;
- a generic webhook: our own JSON (``SCHEMA``, ``VERSION``) signed in a header with
  HMAC-SHA256 over "timestamp.body", the timestamp in another header against replay.

A text longer than the chat takes is cut at a line and ends with the link to the page
that has everything ("… more: URL").
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit, urlunsplit

CHANNEL_KINDS = ("slack", "teams", "wecom", "dingtalk", "feishu", "webhook")
#: Kinds whose secret is required (it signs every message).
SIGNED_CHANNEL_KINDS = ("dingtalk", "feishu", "webhook")

SCHEMA = "partnership-check.alert"
VERSION = 1
SIGNATURE_HEADER = "X-Partnership-Check-Signature"
TIMESTAMP_HEADER = "X-Partnership-Check-Timestamp"

#: The largest text each chat takes (its documented limit, with a margin), in bytes of UTF-8.
TEXT_LIMITS = {
    "slack": 39_000,
    "teams": 20_000,
    "wecom": 4_000,
    "dingtalk": 19_000,
    "feishu": 29_000,
    "webhook": 60_000,
}


@dataclass(frozen=True)
class Alert:
    """One alert in one language: ``event`` (``alerts.EVENTS``), a title, its lines (plain
    text), a link to the page that has everything, and the facts for the generic webhook."""

    key: str  # unique for what happened: a receiver may drop a second delivery of it
    event: str
    title: str
    lines: tuple[str, ...]
    url: str
    language: str
    occurred_at: str  # ISO 8601, UTC
    data: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Request:
    """What to send: POST ``body`` (JSON, UTF-8) to ``url`` with ``headers``."""

    url: str
    body: bytes
    headers: dict[str, str]


def fit(lines: tuple[str, ...], url: str, limit: int, more: str) -> str:
    """The lines joined, or as many as fit in ``limit`` bytes followed by ``more`` and the
    link (so a cut message still leads to everything)."""
    text = "\n".join(lines)
    if len(text.encode()) <= limit:
        return text
    tail = f"\n… {more}: {url}"
    kept: list[str] = []
    used = len(tail.encode())
    for line in lines:
        size = len(line.encode()) + 1
        if used + size > limit:
            break
        kept.append(line)
        used += size
    if not kept:  # one line longer than the limit: cut it by characters
        budget = limit - len(tail.encode())
        first = lines[0].encode()[: max(budget, 0)].decode(errors="ignore")
        kept = [first]
    return "\n".join(kept) + tail


MORE = {"en": "more", "zh-CN": "更多"}


def _text(alert: Alert, kind: str) -> str:
    return fit(alert.lines, alert.url, TEXT_LIMITS[kind], MORE.get(alert.language, "more"))


def _sign(secret: str, message: str) -> bytes:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()


def webhook_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The generic webhook's signature header: ``sha256=`` and the hex HMAC-SHA256 of
    "timestamp." followed by the body, keyed with the channel's secret."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def dingtalk_url(url: str, secret: str, timestamp_ms: int) -> str:
    """The bot's URL with DingTalk's ``timestamp`` and ``sign`` added."""
    sign = base64.b64encode(_sign(secret, f"{timestamp_ms}\n{secret}")).decode()
    parts = urlsplit(url)
    query = (parts.query + "&" if parts.query else "") + urlencode(
        {"timestamp": timestamp_ms, "sign": sign}
    )
    return urlunsplit(parts._replace(query=query))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """Feishu's ``sign``: HMAC-SHA256 keyed with "timestamp\\nsecret" over an empty
    message, in base64."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def _json(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def build(kind: str, alert: Alert, *, url: str, secret: str | None, now_s: int) -> Request:
    """The request that posts ``alert`` to a channel of ``kind`` at ``url``; ``now_s`` is
    the time in seconds (signatures carry it)."""
    headers = {"Content-Type": "application/json; charset=utf-8"}
    text = _text(alert, kind)
    if kind == "slack":
        payload = {"text": f"*{alert.title}*\n{text}\n<{alert.url}>"}
    elif kind == "teams":
        card = {
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.4",
            "lang": alert.language,
            "body": [
                {"type": "TextBlock", "text": alert.title, "weight": "Bolder", "wrap": True},
                {"type": "TextBlock", "text": text, "wrap": True},
            ],
            "actions": [{"type": "Action.OpenUrl", "title": alert.title, "url": alert.url}],
        }
        payload = {
            "type": "message",
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
            ],
        }
    elif kind == "wecom":
        payload = {
            "msgtype": "markdown",
            "markdown": {"content": f"**{alert.title}**\n{text}\n[{alert.url}]({alert.url})"},
        }
    elif kind == "dingtalk":
        payload = {
            "msgtype": "markdown",
            "markdown": {
                "title": alert.title,
                "text": f"### {alert.title}\n\n{text}\n\n{alert.url}",
            },
        }
        url = dingtalk_url(url, _required(secret, kind), now_s * 1000)
    elif kind == "feishu":
        payload = {
            "timestamp": str(now_s),
            "sign": feishu_sign(_required(secret, kind), now_s),
            "msg_type": "text",
            "content": {"text": f"{alert.title}\n{text}\n{alert.url}"},
        }
    elif kind == "webhook":
        payload = {
            "schema": SCHEMA,
            "version": VERSION,
            "id": alert.key,
            "event": alert.event,
            "occurred_at": alert.occurred_at,
            "language": alert.language,
            "title": alert.title,
            "text": text,
            "url": alert.url,
            "data": alert.data,
        }
        body = _json(payload)
        timestamp = str(now_s)
        headers[TIMESTAMP_HEADER] = timestamp
        headers[SIGNATURE_HEADER] = webhook_signature(_required(secret, kind), timestamp, body)
        return Request(url, body, headers)
    else:
        raise ValueError(f"unknown kind of channel {kind!r}")
    return Request(url, _json(payload), headers)


def _required(secret: str | None, kind: str) -> str:
    if not secret:
        raise ValueError(f"a {kind} channel needs its secret")
    return secret


def accepted(kind: str, status: int, body: bytes) -> tuple[bool, str | None]:
    """Whether the chat took the message: a 2xx, and for the bots that answer 200 with an
    error code in the body (WeCom, DingTalk: ``errcode``; Feishu: ``code``), a zero code.
    Second: the chat's own error, for the delivery log."""
    if not 200 <= status < 300:
        return False, f"HTTP {status}: {body[:200].decode(errors='replace')}"
    if kind in ("wecom", "dingtalk", "feishu"):
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            return False, f"not JSON: {body[:200].decode(errors='replace')}"
        code = answer.get("code" if kind == "feishu" else "errcode", 0)
        if code not in (0, None):
            message = answer.get("msg") or answer.get("errmsg") or ""
            return False, f"error {code}: {message}"[:300]
    return True, None
