"""`o2o worker`: run queued tasks and enqueue periodic ones when they fall due."""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from o2o.core import schedule

log = logging.getLogger("o2o.worker")


class Command(BaseCommand):
    help = "Run background tasks (database queue) and the periodic scheduler."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=0.5, help="queue poll interval (s)")
        parser.add_argument("--tick", type=float, default=1.0, help="scheduler tick (s)")
        parser.add_argument("--no-scheduler", action="store_true",
                            help="only run tasks; another worker enqueues periodic ones")
        parser.add_argument("--batch", action="store_true",
                            help="run what is due and queued, then exit (cron, tests)")

    def handle(self, *args, interval: float, tick: float, no_scheduler: bool, batch: bool,
               **options) -> None:
        if settings.TASK_QUEUE == "redis":
            self._run_rq(tick, no_scheduler, batch)
            return
        if batch:
            if not no_scheduler:
                schedule.tick()
            self._worker(interval, batch=True).run()
            return
        if not no_scheduler:
            threading.Thread(target=self._scheduler, args=(tick,), daemon=True,
                             name="o2o-scheduler").start()
        self.stdout.write(f"o2o worker started; periodic: {', '.join(schedule.registered()) or '-'}")
        worker = self._worker(interval, batch=False)
        worker.configure_signals()
        worker.run()

    def _run_rq(self, tick: float, no_scheduler: bool, batch: bool) -> None:
        """Redis queue: RQ's own worker with the Tasks job class, plus our scheduler."""
        if not no_scheduler:
            if batch:
                schedule.tick()
            else:
                threading.Thread(target=self._scheduler, args=(tick,), daemon=True,
                                 name="o2o-scheduler").start()
        call_command("rqworker", "default", job_class="django_tasks_rq.Job", burst=batch,
                     with_scheduler=False)

    @staticmethod
    def _worker(interval: float, batch: bool) -> Worker:
        return Worker(
            queue_names=["default"], interval=interval, batch=batch, backend_name="default",
            startup_delay=not batch, max_tasks=None, worker_id=get_random_string(32),
            excluded_queue_names=[],
        )

    @staticmethod
    def _scheduler(tick: float) -> None:
        while True:
            try:
                close_old_connections()
                schedule.tick()
            except Exception:  # keep ticking; a lost tick is retried on the next one
                log.exception("scheduler tick failed")
            finally:
                connection.close()
            time.sleep(tick)
