"""`o2o search reindex`: rebuild the search index from the source tables, with a
progress bar on stderr."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from o2o.search.services import rebuild


class Command(BaseCommand):
    help = "Search index maintenance: `search reindex` rebuilds documents, listings and vocabulary."

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["reindex"])
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, action: str, quiet: bool = False, **options) -> None:
        if action != "reindex":
            raise CommandError("unknown action")
        started = time.monotonic()
        err = sys.stderr

        def progress(done: int, total: int) -> None:
            if quiet or not total or (done % 50 and done != total):
                return
            width = 40
            filled = int(width * done / total)
            err.write(f"\rreindex [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            if done == total:
                err.write("\n")
            err.flush()

        summary = rebuild(progress)
        summary["seconds"] = round(time.monotonic() - started, 2)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in summary.items()))
