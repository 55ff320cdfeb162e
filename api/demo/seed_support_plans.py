"""Demo support plans (issue 18, item 7), from api.demo.newsletter.SUPPORT_PLANS: 鈴木 久美子's plan,
published by the mental-care worker, read by the nurse and not yet by her caseworker."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import SupportPlan, SupportPlanAcknowledgement
from api.demo import newsletter as nl
from api.demo.load import DemoRefs


async def seed(session: AsyncSession, refs: DemoRefs) -> None:
    clients, episodes, users = refs.extra["clients"], refs.extra["episodes"], refs.users
    for number, version in enumerate(nl.SUPPORT_PLANS, start=1):
        client_ref = version.episode.split(":", 1)[0]
        plan = SupportPlan(
            episode_id=episodes[version.episode], client_id=clients[client_ref], number=number,
            status="published", policy=version.policy_ja, goals=list(version.goals_ja),
            assignments=[{"user_id": str(users[u]) if u else None, "team_role": role, "task": task}
                         for u, role, task in version.assignments],
            created_by=users[version.published_by], published_at=version.published_at,
            published_by=users[version.published_by], created_at=version.published_at,
            updated_at=version.published_at)
        session.add(plan)
        await session.flush()
        refs.extra.setdefault("support_plans", {})[version.episode] = plan.id
        for n, username in enumerate(version.acknowledged_by):
            session.add(SupportPlanAcknowledgement(plan_id=plan.id, user_id=users[username],
                                                   acknowledged_at=version.published_at + timedelta(days=n)))
    await session.flush()
