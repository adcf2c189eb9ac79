"""Reading the messages userpools sends: its outbox (GET /_userpools/outbox, `userpools
outbox`), a real SMTP server (aiosmtpd) and an SMS webhook, for the delivery tests."""

from __future__ import annotations

import email
import email.policy
import http.server
import json
import re
import subprocess
import threading

import requests
from aiosmtpd.controller import Controller

from helpers import free_port, server_binary

CODE = re.compile(r"\b(\d{6})\b")


def outbox(server, pool_id: str | None = None, destination: str | None = None) -> list[dict]:
    """The held messages, newest first, from GET /_userpools/outbox."""
    params = {}
    if pool_id:
        params["userPoolId"] = pool_id
    if destination:
        params["destination"] = destination
    r = requests.get(server.url + "/_userpools/outbox", params=params, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()["messages"]


def latest_code(server, pool_id: str, destination: str) -> str:
    messages = outbox(server, pool_id, destination)
    assert messages, f"no message held for {destination}"
    return messages[0]["code"]


def outbox_cli(server, *args: str) -> subprocess.CompletedProcess:
    """`userpools outbox` against the server's store (its data dir or PostgreSQL URL)."""
    return subprocess.run(
        [str(server_binary()), "outbox", "--data-dir", str(server.data_dir), *args],
        env=server.env(), capture_output=True, text=True, timeout=60,
    )


class SmtpSink:
    """A real SMTP server on 127.0.0.1 keeping every message it receives."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        self.port = free_port()
        sink = self

        class Handler:
            async def handle_DATA(self, _server, _session, envelope):
                sink.envelopes.append(envelope)
                sink.messages.append(
                    email.message_from_bytes(envelope.content, policy=email.policy.default))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    def latest_code(self, address: str) -> str:
        mails = self.to(address)
        assert mails, f"no mail to {address}"
        body = mails[-1].get_body(preferencelist=("html", "plain")).get_content()
        return CODE.search(body).group(1)


class SmsHook:
    """An HTTP server recording the JSON the SMS webhook receives; answers `status`."""

    def __init__(self, status: int = 200):
        self.requests: list[dict] = []
        self.status = status
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                hook.requests.append(json.loads(self.rfile.read(length)))
                self.send_response(hook.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/sms"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
