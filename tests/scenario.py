"""Records the matrix and other tests need in and out of each role's scope, created inside the
test's transaction. Areas add their records here as they land."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from tests.resource_records import DirectoryRecords, build_directory
from tests.world import World


@dataclass
class Scenario:
    directory: DirectoryRecords


async def build_scenario(db: AsyncSession, world: World) -> Scenario:
    return Scenario(directory=await build_directory(db, world.agencies))
