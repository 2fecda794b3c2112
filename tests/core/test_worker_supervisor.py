"""`o2o serve --with-worker` restarts a worker that dies, waiting longer each time while it
keeps dying young (crash loop), and at once again after a worker that ran a while."""

from __future__ import annotations

import logging
import sys

import pytest

from o2o import cli


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(cli.time, "monotonic", c)
    return c


def _died(supervisor: cli.WorkerSupervisor) -> None:
    supervisor.proc.wait(timeout=30)


def test_a_crash_looping_worker_is_restarted_with_back_off(clock, caplog):
    caplog.set_level(logging.INFO, logger="o2o.serve")
    supervisor = cli.WorkerSupervisor([sys.executable, "-c", "raise SystemExit(3)"])
    supervisor.start()
    delays = []
    for _ in range(4):
        first = supervisor.proc.pid
        _died(supervisor)
        supervisor.check()  # notices the death, schedules the restart
        assert supervisor.proc is None
        delays.append(supervisor.restart_at - clock.now)
        clock.now += delays[-1] - 0.1
        supervisor.check()
        assert supervisor.proc is None  # not before its back-off
        clock.now += 0.1
        supervisor.check()
        assert supervisor.proc is not None and supervisor.proc.pid != first
    assert delays == [1.0, 2.0, 4.0, 8.0]
    assert "exited with code 3 after 0 s; restarting in 1 s" in caplog.text
    # A worker that ran a while before dying is restarted after a second again.
    clock.now += cli.WORKER_STABLE_SECONDS
    _died(supervisor)
    supervisor.check()
    assert supervisor.restart_at - clock.now == 1.0
    supervisor.stop()
    clock.now += 60
    supervisor.check()  # stopping: no more restarts
    assert supervisor.proc is None


def test_the_back_off_is_capped(clock):
    supervisor = cli.WorkerSupervisor([sys.executable, "-c", "pass"])
    supervisor.start()
    for _ in range(10):
        _died(supervisor)
        supervisor.check()
        clock.now = supervisor.restart_at
        supervisor.check()
    _died(supervisor)
    supervisor.check()
    assert supervisor.restart_at - clock.now == cli.WORKER_BACKOFF_MAX_SECONDS
    supervisor.stop()
