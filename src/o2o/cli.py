"""The `o2o` command: Django's management commands plus `serve`.

    o2o serve [--host H] [--port P] [--workers N] [--with-worker]
                            web server; O2O_PUBLIC_URL defaults to http://H:P, and
                            the worker (if any) is restarted when it dies
    o2o worker              background tasks and periodic jobs
    o2o demo                load the demo merchants, catalog and users (idempotent)
    o2o migrate             create or upgrade the database
    o2o createoperator      create a platform operator account
    o2o <command>           any other management command (check, shell, ...)
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time

log = logging.getLogger("o2o.serve")

# A worker that dies this soon after its start is crash-looping: wait longer each time.
WORKER_STABLE_SECONDS = 30.0
WORKER_BACKOFF_MAX_SECONDS = 60.0


def public_url(host: str, port: int) -> str:
    """The URL of a listener on host:port as this machine reaches it (a wildcard address
    becomes loopback; set O2O_PUBLIC_URL for the name the outside world uses)."""
    shown = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # noqa: S104
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


class WorkerSupervisor:
    """Keeps one background worker running beside the web server: a worker that exits is
    started again (after 1 s, doubling up to a minute while it keeps dying young)."""

    def __init__(self, cmd: list[str]) -> None:
        self.cmd = cmd
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0
        self.delay = 0.5
        self.restart_at: float | None = None
        self.stopping = False

    def start(self) -> None:
        self.proc = subprocess.Popen(self.cmd)  # noqa: S603
        self.started_at = time.monotonic()
        self.restart_at = None
        log.info("worker started (pid %s)", self.proc.pid)

    def check(self) -> None:
        """Notice a dead worker, and start a new one when its back-off has passed."""
        if self.stopping:
            return
        now = time.monotonic()
        if self.proc is not None and (code := self.proc.poll()) is not None:
            lived = now - self.started_at
            self.delay = 1.0 if lived >= WORKER_STABLE_SECONDS else min(self.delay * 2,
                                                                        WORKER_BACKOFF_MAX_SECONDS)
            log.warning("worker (pid %s) exited with code %s after %.0f s; restarting in %.0f s",
                        self.proc.pid, code, lived, self.delay)
            self.proc, self.restart_at = None, now + self.delay
        if self.proc is None and self.restart_at is not None and now >= self.restart_at:
            self.start()

    def stop(self) -> None:
        self.stopping, self.restart_at = True, None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()


def _stop(proc: subprocess.Popen | None, timeout: float = 10) -> None:
    if proc is None:
        return
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="o2o serve", description="Run the web server (WSGI).")
    parser.add_argument("--host", default=os.environ.get("O2O_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=None,
                        help="processes (default: 1 on SQLite, 2 on PostgreSQL)")
    parser.add_argument("--threads", type=int, default=4, help="blocking threads per process")
    parser.add_argument("--with-worker", action="store_true",
                        help="also run the background task worker (restarted if it dies)")
    args = parser.parse_args(argv)

    # Before settings load, here and in the server and worker processes (they inherit the
    # environment): gateway, notification and carrier callback URLs derive from it.
    os.environ.setdefault("O2O_PUBLIC_URL", public_url(args.host, args.port))

    import django

    django.setup()
    from django.conf import settings

    from o2o.payments.checks import sandbox_in_production_message

    if warning := sandbox_in_production_message():
        log.warning("%s", warning)

    workers = args.workers or (2 if settings.IS_POSTGRES else 1)
    # granian WSGI with a few blocking threads: measured faster than ASGI and
    # than gunicorn here, with a bounded number of database connections.
    cmd = [
        sys.executable, "-m", "granian", "--interface", "wsgi", "o2o.wsgi:application",
        "--host", args.host, "--port", str(args.port), "--workers", str(workers),
        "--blocking-threads", str(args.threads), "--no-ws",
    ]
    web = subprocess.Popen(cmd)  # noqa: S603
    supervisor = WorkerSupervisor([sys.executable, "-m", "o2o.cli", "worker"]) if args.with_worker else None
    if supervisor is not None:
        supervisor.start()
    base = settings.PUBLIC_URL
    print(
        f"\no2o is running:\n  Storefront    {base}/\n  Console       {base}/console/\n"
        f"  Counter       {base}/counter/\n  Operators     {base}/ops/\n"
        f"  API docs      {base}/api/docs\n  OpenAPI       {base}/api/openapi.json\n"
        f"  Admin         {base}/admin/\n  Health        {base}/healthz\n"
        + ("  Worker        running (tasks and periodic jobs)\n" if args.with_worker else "")
        + "Press Ctrl+C to stop.\n",
        flush=True,
    )

    def on_sigterm(signum, frame) -> None:
        if supervisor is not None:
            supervisor.stop()
        if web.poll() is None:
            web.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        # The web server's end ends the command; the worker's end only restarts the worker.
        while web.poll() is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                web.wait(timeout=0.5)
            if supervisor is not None and web.poll() is None:
                supervisor.check()
    except KeyboardInterrupt:
        pass
    finally:
        if supervisor is not None:
            supervisor.stop()
            _stop(supervisor.proc)
        _stop(web)
    return web.returncode or 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2o.settings")
    if argv and argv[0] == "serve":
        return _serve(argv[1:])
    if not argv or argv[0] in {"-h", "--help", "help"} and len(argv) == 1:
        print(__doc__)
        return 0
    from django.core.management import execute_from_command_line

    execute_from_command_line(["o2o", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
