"""A real webhook receiver on loopback for the tests: an HTTP server in a thread that
verifies each request with `standardwebhooks` as a merchant's system would, and records
what it got. Its answer can be switched (down: connection refused; an error status; slow)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    webhook_id: str
    payload: dict
    verified: bool
    signature: str
    at: float
    raw_body: str = ""


@dataclass
class Receiver:
    secret: str = ""
    status: int = 204
    delay: float = 0.0
    got: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self, port: int = 0) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    Webhook(receiver.secret).verify(body, headers)
                    verified = True
                except WebhookVerificationError:
                    verified = False
                if receiver.delay:
                    time.sleep(receiver.delay)
                receiver.got.append(Received(headers.get("webhook-id", ""), json.loads(body), verified,
                                             headers.get("webhook-signature", ""), time.monotonic(), body))
                self.send_response(receiver.status if verified else 400)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Down: the port refuses connections until start() again on the same port."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def types(self) -> list[str]:
        return [r.payload["type"] for r in self.got]
