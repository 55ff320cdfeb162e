"""Demo break-the-glass: a night crisis call in July 2010 (平成22年度). スズキ クミコ (c02, a
karasuyama client) phoned the Setagaya office's caseworker on call; cw.setagaya, not on her care
team, opened emergency access to see her care team and medication history. It waits for review by
sv.karasuyama or the auditor."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import EmergencyAccess
from api.demo.load import DemoRefs

TOKYO = ZoneInfo("Asia/Tokyo")


async def seed(session: AsyncSession, refs: DemoRefs) -> None:
    clients, users = refs.extra["clients"], refs.users
    opened = datetime(2010, 7, 16, 22, 40, tzinfo=TOKYO)
    session.add(EmergencyAccess(
        client_id=clients["c02"], user_id=users["cw.setagaya"], reason_code="crisis_call",
        reason_text="夜間に本人から「眠れない、薬が切れた」と電話。担当外のため支援チームと服薬状況を確認した。",
        opened_at=opened, expires_at=opened + timedelta(hours=4), review_status="pending"))
