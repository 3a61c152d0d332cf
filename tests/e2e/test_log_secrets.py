"""A full day through ``baton serve`` with ``BATON_LOG_FORMAT=json``: every line it writes is one
JSON object (the start-up line included), and none holds a secret it was given."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

from storage.engine import make_engine
from tests.e2e.serve_process import (
    MANAGER,
    SECRET,
    ServeProcess,
    all_sent,
    deliver,
    make_posts,
    serve_env,
    setup_team,
    wait_until,
)
from tests.e2e.slack_double import SignedSlack, SlackDouble

SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-4242-log-scan-bot-token",
    "SLACK_SIGNING_SECRET": SECRET,
    "BATON_SECRET_KEY": "dashboard-signing-key-log-scan-1",
    "BATON_METRICS_TOKEN": "metrics-token-log-scan-2",
    "MICROSOFT_APP_PASSWORD": "teams-password-log-scan-3",
}
WEBHOOK_TOKEN = "webhook-token-log-scan-4"


def get(url: str, token: str | None = None) -> tuple[int, str]:
    """GET with cookies kept (a dashboard link sets its session, then redirects)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    try:
        with browser.open(urllib.request.Request(url, headers=headers), timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def post_webhook(url: str, token: str) -> int:
    body = json.dumps({"email": "wes@hook.example", "company": "Hook Ltd", "name": "Wes"})
    request = urllib.request.Request(
        f"{url}/leads",
        data=body.encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as err:
        return err.code


def test_every_line_of_a_json_run_is_an_object_and_no_secret_is_written(
    tmp_path: Path, double: SlackDouble
) -> None:
    url = f"sqlite:///{tmp_path}/baton.db"
    env = serve_env(
        url,
        double.api_url,
        **SECRETS,
        BATON_LOG_FORMAT="json",
        BATON_WEBHOOK_SOURCES=f"website:{WEBHOOK_TOKEN}",
    )
    server = ServeProcess(tmp_path, env).start().wait_ready()
    try:
        send = SignedSlack(server.url, SECRET, double, "C0INTAKE")
        setup_team(send)
        double.fail(500, times=3, methods={"chat.postMessage"})  # retried: warnings are written
        for post in make_posts(send, double, 4):
            assert deliver(send, post)
        assert send.command("/lead claim L-1", "UALICE").status == 200
        said = json.dumps(send.command("/funnel link", MANAGER).json())
        link = re.search(r"https?://[^\s>|\"\\]+\?t=[^\s>|\"\\]+", said)
        assert link is not None
        path = link.group(0).split("/dashboard", 1)[1]
        assert get(f"{server.url}/dashboard{path}")[0] == 200
        assert get(f"{server.url}/dashboard?t=forged.{SECRETS['BATON_SECRET_KEY']}")[0] in (
            401,
            403,
        )
        assert post_webhook(server.url, WEBHOOK_TOKEN) in (200, 201, 202)
        assert post_webhook(server.url, WEBHOOK_TOKEN + "-wrong") == 401
        assert get(f"{server.url}/metrics", SECRETS["BATON_METRICS_TOKEN"])[0] == 200
        assert get(f"{server.url}/metrics", "not-the-token")[0] == 401
        assert (
            send.command(
                "/lead mine",
                "UALICE",
            ).status
            == 200
        )
        engine = make_engine(url)
        wait_until(lambda: all_sent(engine), 60, "every message delivered")
        engine.dispose()
    finally:
        server.stop()

    (log_file,) = tmp_path.glob("baton-serve-*.log")
    written = log_file.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in written.splitlines() if line.strip()]
    assert lines, "the run wrote nothing"
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line), line
    assert any("Baton listening on" in str(line["message"]) for line in lines)
    assert any("lead_id" in line for line in lines), "no line named its lead"
    assert any("request_id" in line for line in lines), "no line named its request"
    for secret in (*SECRETS.values(), WEBHOOK_TOKEN, link.group(0).split("?t=")[1]):
        assert secret not in written, secret
