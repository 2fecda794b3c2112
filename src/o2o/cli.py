"""The `o2o` command: Django's management commands plus `serve`.

    o2o serve [--host H] [--port P] [--workers N] [--with-worker]
    o2o worker              background tasks and periodic jobs
    o2o demo                load the demo merchants, catalog and users (idempotent)
    o2o migrate             create or upgrade the database
    o2o createoperator      create a platform operator account
    o2o <command>           any other management command (check, shell, ...)
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys


def _serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="o2o serve", description="Run the web server (WSGI).")
    parser.add_argument("--host", default=os.environ.get("O2O_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--workers", type=int, default=None,
                        help="processes (default: 1 on SQLite, 2 on PostgreSQL)")
    parser.add_argument("--threads", type=int, default=4, help="blocking threads per process")
    parser.add_argument("--with-worker", action="store_true",
                        help="also run the background task worker")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.conf import settings

    workers = args.workers or (2 if settings.IS_POSTGRES else 1)
    # granian WSGI with a few blocking threads: measured faster than ASGI and
    # than gunicorn here, with a bounded number of database connections.
    cmd = [
        sys.executable, "-m", "granian", "--interface", "wsgi", "o2o.wsgi:application",
        "--host", args.host, "--port", str(args.port), "--workers", str(workers),
        "--blocking-threads", str(args.threads), "--no-ws",
    ]
    procs = [subprocess.Popen(cmd)]  # noqa: S603
    if args.with_worker:
        procs.append(subprocess.Popen([sys.executable, "-m", "o2o.cli", "worker"]))  # noqa: S603
    base = f"http://{args.host}:{args.port}"
    print(
        f"\no2o is running:\n  Storefront    {base}/\n  Console       {base}/console/\n"
        f"  Counter       {base}/counter/\n  Operators     {base}/ops/\n"
        f"  API docs      {base}/api/docs\n  OpenAPI       {base}/api/openapi.json\n"
        f"  Admin         {base}/admin/\n  Health        {base}/healthz\n"
        + ("  Worker        running (tasks and periodic jobs)\n" if args.with_worker else "")
        + "Press Ctrl+C to stop.\n",
        flush=True,
    )

    def stop(signum, frame):
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(p.poll() is None for p in procs):
            with contextlib.suppress(subprocess.TimeoutExpired):
                procs[0].wait(timeout=1)
    except KeyboardInterrupt:
        pass
    finally:
        stop(None, None)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    return procs[0].returncode or 0


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
