from __future__ import annotations

from api.config import Settings
from api.db import audit_chain
from api.db.engine import create_engine


async def verify_chain(settings: Settings) -> audit_chain.ChainReport:
    assert settings.database_url
    engine = create_engine(settings.database_url, settings, pool_size=1)
    try:
        async with engine.connect() as conn:
            return await audit_chain.verify(conn)
    finally:
        await engine.dispose()
