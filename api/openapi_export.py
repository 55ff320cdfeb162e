"""The OpenAPI document as the app serves it, built without a database connection."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from api.config import Settings


def current_spec() -> dict[str, Any]:
    # A throwaway key and an unreachable URL: building the document opens no connection.
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=os.environ.get("DATABASE_URL") or "postgresql+asyncpg://spec@127.0.0.1:9/spec",
            data_dir=Path(tmp),
        )
        from api.main import create_app

        app = create_app(settings)
        return app.openapi()
