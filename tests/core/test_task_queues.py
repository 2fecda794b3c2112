"""The worker runs queued and periodic tasks on both queues: the database queue
(embedded default) and Redis (RQ) where present. Real processes, real queues."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

ENQUEUE_AND_EMIT = textwrap.dedent(
    """
    import django
    django.setup()
    from django.db import transaction
    from o2o.accounts import services
    from o2o.core.models import OutboxEvent
    user = services.create_user("queue-probe", None)  # emits user.created
    assert OutboxEvent.objects.filter(relayed_at__isnull=True).count() >= 1
    """
)

COUNT_RELAYED = textwrap.dedent(
    """
    import django
    django.setup()
    from o2o.core.models import OutboxEvent
    print(OutboxEvent.objects.filter(relayed_at__isnull=True).count(),
          OutboxEvent.objects.filter(relayed_at__isnull=False).count())
    """
)


def _run(env: dict, *args: str, code: str | None = None) -> str:
    cmd = [sys.executable, "-c", code] if code else [sys.executable, "-m", "o2o.cli", *args]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _env(tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "O2O_TASK_QUEUE"}}
    env.update(O2O_DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'q.sqlite3'}",
               DJANGO_SETTINGS_MODULE="o2o.settings", **extra)
    return env


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.parametrize("queue", ["database", "redis"])
def test_worker_runs_the_periodic_outbox_relay(tmp_path, queue):
    extra = {"O2O_TASK_QUEUE": queue}
    if queue == "redis":
        if not _redis_reachable():
            if os.environ.get("CI") or os.environ.get("O2O_REQUIRE_POSTGRES") is not None:
                pytest.fail("Redis is expected on 127.0.0.1:6379 in CI")
            pytest.skip("no Redis on 127.0.0.1:6379")
        # A database of our own on the shared server, so parallel runs don't collide.
        extra["REDIS_URL"] = f"redis://127.0.0.1:6379/{uuid.uuid4().int % 15 + 1}"
        import redis

        redis.Redis.from_url(extra["REDIS_URL"]).flushdb()
    env = _env(tmp_path, **extra)
    _run(env, "migrate", "-v0")
    _run(env, code=ENQUEUE_AND_EMIT)
    pending, relayed = map(int, _run(env, code=COUNT_RELAYED).split())
    assert pending >= 1 and relayed == 0
    # The scheduler finds the relay due, enqueues it; the batch worker runs it.
    _run(env, "worker", "--batch")
    pending, relayed = map(int, _run(env, code=COUNT_RELAYED).split())
    assert pending == 0 and relayed >= 1
