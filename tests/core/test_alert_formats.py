"""Each chat's format and signature (alert_formats.py), checked the way each chat checks it:
the signatures are recomputed here from the chats' documented recipes, not with our code."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.alert_formats import (
    CHANNEL_KINDS,
    SIGNATURE_HEADER,
    TEXT_LIMITS,
    TIMESTAMP_HEADER,
    Alert,
    accepted,
    build,
    fit,
)

NOW = 1_796_000_000
ALERT = Alert(
    key="round:7:2026-12-01T10:00:00+00:00:closed",
    event="round_closed",
    title="Round closed: Apex · 2026-Q4",
    lines=("3 team members submitted.", "Fairness index 41: At risk."),
    url="https://check.example.com/rounds/7/results",
    language="en",
    occurred_at="2026-12-01T10:00:00+00:00",
    data={"round_id": 7, "index": 41.0},
)
CHINESE = Alert(
    key="k",
    event="escalation",
    title="升级：Apex · 2026-Q4",
    lines=("按时付款：25。收取滞纳金 💸",),
    url="https://check.example.com/rounds/7/results",
    language="zh-CN",
    occurred_at="2026-12-01T10:00:00+00:00",
)


def _body(request) -> dict:
    return json.loads(request.body.decode("utf-8"))


def test_slack_teams_and_wecom_bodies():
    slack = _body(build("slack", ALERT, url="https://hooks.example/s", secret=None, now_s=NOW))
    assert slack["text"].startswith("*Round closed: Apex · 2026-Q4*\n3 team members submitted.")
    assert slack["text"].endswith("<https://check.example.com/rounds/7/results>")
    teams = _body(build("teams", ALERT, url="https://hooks.example/t", secret=None, now_s=NOW))
    card = teams["attachments"][0]
    assert teams["type"] == "message"
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["body"][0]["text"] == ALERT.title
    assert card["content"]["actions"][0]["url"] == ALERT.url
    wecom = _body(build("wecom", CHINESE, url="https://hooks.example/w", secret=None, now_s=NOW))
    assert wecom["msgtype"] == "markdown"
    assert wecom["markdown"]["content"].startswith(
        "**升级：Apex · 2026-Q4**\n按时付款：25。收取滞纳金 💸"
    )


def test_dingtalk_signs_its_url_as_dingtalk_documents():
    secret = "SEC0123456789abcdef"
    request = build(
        "dingtalk",
        CHINESE,
        url="https://oapi.example/robot/send?access_token=abc",
        secret=secret,
        now_s=NOW,
    )
    query = parse_qs(urlsplit(request.url).query)
    assert query["access_token"] == ["abc"] and query["timestamp"] == [str(NOW * 1000)]
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{NOW * 1000}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]
    body = _body(request)
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == CHINESE.title


def test_feishu_signs_its_body_as_feishu_documents():
    secret = "feishu-secret"
    body = _body(
        build("feishu", CHINESE, url="https://open.example/hook/x", secret=secret, now_s=NOW)
    )
    key = f"{NOW}\n{secret}".encode()
    assert body["timestamp"] == str(NOW)
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["msg_type"] == "text" and "按时付款" in body["content"]["text"]


def test_the_generic_webhook_is_versioned_json_signed_over_timestamp_and_body():
    request = build("webhook", ALERT, url="https://erp.example/in", secret="s3cret", now_s=NOW)
    body = _body(request)
    assert (body["schema"], body["version"], body["event"]) == (
        "partnership-check.alert",
        1,
        "round_closed",
    )
    assert body["id"] == ALERT.key and body["data"] == {"round_id": 7, "index": 41.0}
    timestamp = request.headers[TIMESTAMP_HEADER]
    assert timestamp == str(NOW)
    mac = hmac.new(b"s3cret", timestamp.encode() + b"." + request.body, hashlib.sha256)
    assert request.headers[SIGNATURE_HEADER] == "sha256=" + mac.hexdigest()
    assert request.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("kind", ["dingtalk", "feishu", "webhook"])
def test_a_signed_kind_without_its_secret_is_refused(kind):
    with pytest.raises(ValueError, match="needs its secret"):
        build(kind, ALERT, url="https://x.example/", secret=None, now_s=NOW)


def test_a_text_too_long_for_the_chat_is_cut_at_a_line_and_leads_to_the_page():
    lines = tuple(f"第 {n} 行：" + "付款" * 40 for n in range(200))
    long = Alert(**{**CHINESE.__dict__, "lines": lines})
    wecom = _body(build("wecom", long, url="https://hooks.example/w", secret=None, now_s=NOW))
    content = wecom["markdown"]["content"]
    assert len(content.encode()) <= 4096
    assert f"… 更多: {long.url}" in content and "第 0 行" in content and "第 199 行" not in content


@given(
    st.lists(st.text(min_size=0, max_size=300), min_size=1, max_size=40),
    st.integers(min_value=60, max_value=5000),
)
def test_fit_never_exceeds_the_limit_and_keeps_whole_lines_or_the_link(lines, limit):
    url = "https://check.example.com/r/1"
    text = fit(tuple(lines), url, limit, "more")
    whole = "\n".join(lines)
    if len(whole.encode()) <= limit:
        assert text == whole
    else:
        assert len(text.encode()) <= limit and text.endswith(f"… more: {url}")


def test_every_kind_has_a_limit():
    assert set(TEXT_LIMITS) == set(CHANNEL_KINDS)


@pytest.mark.parametrize(
    ("kind", "status", "body", "ok"),
    [
        ("slack", 200, b"ok", True),
        ("slack", 500, b"oops", False),
        ("wecom", 200, b'{"errcode":0,"errmsg":"ok"}', True),
        ("wecom", 200, b'{"errcode":93000,"errmsg":"invalid webhook url"}', False),
        ("dingtalk", 200, b'{"errcode":310000,"errmsg":"sign not match"}', False),
        ("feishu", 200, b'{"code":0,"msg":"success"}', True),
        ("feishu", 200, b'{"code":19021,"msg":"sign match fail"}', False),
        ("feishu", 200, b"<html>", False),
        ("webhook", 204, b"", True),
    ],
)
def test_accepted_reads_each_chats_answer(kind, status, body, ok):
    taken, error = accepted(kind, status, body)
    assert taken is ok and (error is None) is ok
