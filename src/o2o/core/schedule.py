"""Periodic tasks for the worker.

django-tasks has no scheduler of its own, so the worker runs this small one:
each periodic task has a row in PeriodicRun; a worker that finds a task due
claims it with a conditional UPDATE (only one worker wins, whatever their
number) and enqueues it on the normal queue.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from o2o.core import clock
from o2o.core.models import PeriodicRun

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    every: dt.timedelta
    task: object  # a django_tasks Task


_registry: dict[str, Periodic] = {}


def every(interval: dt.timedelta, name: str | None = None):
    """Decorator for a task (already wrapped by @task) to run every `interval`."""

    def register(task_obj):
        key = name or f"{task_obj.module_path}"
        _registry[key] = Periodic(key, interval, task_obj)
        return task_obj

    return register


def registered() -> dict[str, Periodic]:
    return dict(_registry)


def tick() -> list[str]:
    """Enqueue every periodic task that is due. Safe to call from several workers."""
    now = clock.now()
    enqueued: list[str] = []
    for periodic in _registry.values():
        with contextlib.suppress(IntegrityError):  # another worker created it first
            PeriodicRun.objects.get_or_create(name=periodic.name, defaults={"next_run_at": now})
        with transaction.atomic():
            claimed = PeriodicRun.objects.filter(
                name=periodic.name, next_run_at__lte=now
            ).update(next_run_at=now + periodic.every, last_run_at=now)
            if claimed:
                transaction.on_commit(periodic.task.enqueue)
                enqueued.append(periodic.name)
    return enqueued
