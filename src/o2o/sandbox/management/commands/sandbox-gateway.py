"""`o2o sandbox-gateway --port 8090`: the sandbox WeChat Pay gateway on its own port.

It serves only the gateway's URLs (at /v3/... and /cashier/...) with granian WSGI,
sharing the project's database (its transactions and pending notifications) and its
demo keys. Point the platform at it with WECHATPAY_GATEWAY_URL=http://HOST:PORT.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys

from django.core.management.base import BaseCommand

from o2o.payments.keys import demo_keys


class Command(BaseCommand):
    help = "Run the sandbox WeChat Pay v3 gateway on its own port."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8090)
        parser.add_argument("--threads", type=int, default=4)

    def handle(self, *args, host: str, port: int, threads: int, **options) -> None:
        keys = demo_keys()  # generate the demo keys before the server forks
        self.stdout.write(f"sandbox WeChat Pay gateway on http://{host}:{port}  (mchid {keys.mchid}, "
                          f"keys in {keys.folder})")
        cmd = [sys.executable, "-m", "granian", "--interface", "wsgi", "o2o.sandbox.wsgi:application",
               "--host", host, "--port", str(port), "--workers", "1", "--blocking-threads", str(threads),
               "--no-ws"]
        with contextlib.suppress(KeyboardInterrupt):
            subprocess.run(cmd, check=False)  # noqa: S603
