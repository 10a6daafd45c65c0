"""Apply the Alembic migrations: ``python -m servicio.inscripcion.migrar [DATABASE_URL]``."""

from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).resolve().parent


def config_alembic(url: str | None = None) -> Config:
    cfg = Config(str(HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(HERE / "migraciones"))
    if url:
        cfg.attributes["url"] = url
    return cfg


def aplicar_migraciones(url: str | None = None, revision: str = "head") -> None:
    """Upgrade the database at ``url`` (default: settings' DATABASE_URL) to ``revision``."""
    command.upgrade(config_alembic(url), revision)


def main(argv: list[str]) -> int:
    aplicar_migraciones(argv[1] if len(argv) > 1 else None)
    print("Migraciones aplicadas (alembic upgrade head).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
