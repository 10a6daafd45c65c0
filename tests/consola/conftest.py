"""Console tests reuse the service fixtures: SQLite always, PostgreSQL when it answers."""

from tests.service.conftest import app, client, db_url, engine, pg_url, settings  # noqa: F401
