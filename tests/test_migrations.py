"""The migrations build a working schema from nothing, on SQLite and on PostgreSQL,
and the models have no changes that lack a migration."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest
from django.conf import settings

APP_TABLES = {"accounts_user", "accounts_apitoken", "merchants_merchant", "merchants_store",
              "merchants_staffmember", "core_outboxevent", "catalog_product"}


def _o2o(args: list[str], database_url: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "O2O_DATA_DIR": str(data_dir)}
    return subprocess.run(  # noqa: S603 - our own CLI with fixed arguments
        [sys.executable, "-m", "o2o.cli", *args], env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )


def _migrate_and_check(database_url: str, data_dir: Path) -> None:
    result = _o2o(["migrate", "--noinput"], database_url, data_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    # Nothing left unapplied afterwards.
    check = _o2o(["migrate", "--check"], database_url, data_dir)
    assert check.returncode == 0, check.stdout + check.stderr


def test_migrations_apply_on_an_empty_sqlite_file(tmp_path):
    db = Path(tempfile.gettempdir()) / f"o2o-migrate-{uuid.uuid4().hex}.sqlite3"
    try:
        _migrate_and_check(f"sqlite:///{db}", tmp_path)
        with sqlite3.connect(db) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            apps = {r[0] for r in conn.execute("SELECT DISTINCT app FROM django_migrations")}
        assert tables >= APP_TABLES
        assert apps >= {"accounts", "merchants", "catalog", "core"}
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)


@pytest.mark.postgres
def test_migrations_apply_on_an_empty_postgres_database(tmp_path):
    import psycopg
    from psycopg import sql

    cfg = settings.DATABASES["default"]
    conninfo = {"host": cfg.get("HOST") or "127.0.0.1", "port": cfg.get("PORT") or 5432,
                "user": cfg.get("USER") or "postgres", "password": cfg.get("PASSWORD") or None}
    name = f"o2o_migrate_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        auth = conninfo["user"] + (f":{conninfo['password']}" if conninfo["password"] else "")
        _migrate_and_check(f"postgres://{auth}@{conninfo['host']}:{conninfo['port']}/{name}",
                           tmp_path)
        with psycopg.connect(dbname=name, **conninfo) as conn:
            tables = {r[0] for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
        assert tables >= APP_TABLES
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **conninfo) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def test_no_missing_migrations(tmp_path):
    db = tmp_path / "check.sqlite3"
    result = _o2o(["makemigrations", "--check", "--dry-run"], f"sqlite:///{db}", tmp_path)
    assert result.returncode == 0, "models changed without a migration:\n" + result.stdout + result.stderr
