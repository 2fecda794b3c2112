"""`o2o webhook-receiver --port 8900`: a small webhook receiver for the demo.

It listens on loopback, verifies each request with `standardwebhooks` as a merchant's
system would, and prints the verified events (a bad signature is answered 400 and
printed as refused). Unless `--secret` is given, it registers itself first as an
endpoint of the merchant whose owner is `--owner` (the demo's hot-pot shop by default)
for every event type, through webhooks.services (a new endpoint, or a new secret for its
existing one), so the demo merchant's events arrive here as soon as the worker runs.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management.base import BaseCommand, CommandError
from standardwebhooks import Webhook, WebhookVerificationError

from o2o.accounts.models import User
from o2o.core.errors import DomainError
from o2o.merchants.access import merchant_of
from o2o.webhooks import selectors, services


def register(username: str, url: str) -> str:
    """The secret of the owner's endpoint at `url`, made or re-keyed now."""
    owner = User.objects.filter(username=username).first()
    if owner is None:
        raise CommandError(f"no user {username!r}: run `o2o demo` first, or pass --secret")
    existing = selectors.endpoints_of(merchant_of(owner, owner_only=True)).filter(url=url).first()
    if existing is None:
        _endpoint, secret = services.create_endpoint(owner, url, ["*"], "demo receiver (o2o webhook-receiver)")
        return secret
    services.set_enabled(owner, existing.public_id, True)
    _endpoint, secret = services.rotate_secret(owner, existing.public_id, 0)
    return secret


class Command(BaseCommand):
    help = "Run a small receiver that verifies and prints webhook events (demo)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8900)
        parser.add_argument("--path", default="/webhooks")
        parser.add_argument("--owner", default="hotpot_owner", help="merchant owner to register the endpoint for")
        parser.add_argument("--secret", default="", help="verify with this secret; do not register")

    def handle(self, *args, host: str, port: int, path: str, owner: str, secret: str, **options) -> None:
        url = f"http://{host}:{port}{path}"
        if not secret:
            try:
                secret = register(owner, url)
            except DomainError as exc:
                raise CommandError(f"cannot register {url}: {exc.code}: {exc.message}") from None
            self.stdout.write(f"registered {url} for {owner}'s merchant (every event type)")
        webhook = Webhook(secret)
        out = self.stdout

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    event = webhook.verify(body, {k.lower(): v for k, v in self.headers.items()})
                except WebhookVerificationError as exc:
                    out.write(f"refused {self.headers.get('webhook-id')}: {exc}")
                    self.send_response(400)
                    self.end_headers()
                    return
                out.write(f"{event['type']} #{event['sequence']} {self.headers['webhook-id']} "
                          + json.dumps(event["data"], ensure_ascii=False))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        server = ThreadingHTTPServer((host, port), Handler)
        self.stdout.write(f"listening on {url}; Ctrl+C stops")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
