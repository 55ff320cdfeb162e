"""Autogenerate an Alembic revision from the models: `.venv/bin/python scripts/new_migration.py "message"`.

Builds a scratch database at head on a throwaway embedded PostgreSQL (or on TEST_DATABASE_URL's
server), compares it with the models and writes migrations/versions/<date>_<rev>_<slug>.py.
Read the result before committing: autogenerate misses some things (CHECK changes, functions)."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import uuid
from pathlib import Path

from alembic import command

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.cli import alembic_config
from api.db.engine import create_database, drop_database


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    with tempfile.TemporaryDirectory(prefix="iko-autogen-") as tmp:
        server_url = os.environ.get("TEST_DATABASE_URL")
        server = None
        if not server_url:
            from api.ops.embedded_postgres import start_embedded

            server = start_embedded(Path(tmp))
            server_url = server.url("postgres")
        name = f"autogen_{uuid.uuid4().hex[:8]}"
        url = asyncio.run(create_database(server_url, name))
        try:
            config = alembic_config(url)
            command.upgrade(config, "head")
            command.revision(config, message=sys.argv[1], autogenerate=True)
        finally:
            asyncio.run(drop_database(server_url, name))
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
