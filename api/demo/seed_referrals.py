"""Demo referrals: the chain the newsletter describes (the hospital asks the consultation support
office to find a group home, which asks the group home), plus referrals in the other statuses.
Each sent referral has its consent, frozen snapshot, history and provision record, as if it had
gone through the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.db.models import Client, Consent, Referral, ReferralMessage, ReferralStatusChange, ThirdPartyProvision
from api.demo import newsletter as nl
from api.demo.load import DemoRefs
from api.domain.fiscal import TOKYO
from api.domain.referral_sharing import data_categories_for, snapshot_of
from api.services.referrals import client_values

_PATH = {  # the actions that lead from draft to each status
    "draft": [], "requested": ["send"], "received": ["send", "receive"], "accepted": ["send", "receive", "accept"],
    "in_progress": ["send", "receive", "accept", "start"], "completed": ["send", "receive", "accept", "start",
                                                                          "complete"],
    "rejected": ["send", "receive", "reject"], "cancelled": ["send", "cancel"],
}
_TO = {"send": "requested", "receive": "received", "accept": "accepted", "start": "in_progress",
       "complete": "completed", "reject": "rejected", "cancel": "cancelled"}


@dataclass(frozen=True)
class Demo:
    key: str
    client: str
    sender: str  # username
    to: str  # agency code
    purpose: str
    status: str
    sent_on: date
    due_on: date | None
    reason: str
    needs: str | None
    fields: tuple[str, ...]
    parent: str | None = None
    status_reason: str | None = None
    business_status: str | None = None
    message: str | None = None


DEMOS = (
    Demo("chain_1", "c01", "partner.hospital", "soyokaze_consult", "group_home", "accepted", date(2010, 6, 28),
         date(2010, 7, 9), "退院後の住まいとしてグループホームを探してほしい。",
         "服薬は自己管理できる。夜間の見守りがあると安心。",
         ("name", "kana", "date_of_birth", "needs_summary", "diagnosis_group"),
         message="7月上旬に病棟で面談できます。"),
    Demo("chain_2", "c01", "partner.consult", "tsubame_gh", "group_home", "received", date(2010, 7, 12),
         date(2010, 7, 30), "烏山地域のグループホームへの入居を相談したい。", "日中は作業所に通う予定。",
         ("name", "kana", "needs_summary"), parent="chain_1", business_status="見学調整中"),
    Demo("trial_stay", "c06", "cw.karasuyama", "kinuta_centre", "trial_stay", "requested", date(2010, 7, 1),
         date(2010, 7, 15), "退院に向けて体験宿泊を利用したい。", "初めての外泊。付き添いが必要。",
         ("name", "kana", "needs_summary")),
    Demo("workshop", "c04", "cw.karasuyama", "hinata_workshop", "employment_support", "completed", date(2010, 4, 5),
         date(2010, 4, 20), "短時間就労の場として作業所の利用を相談したい。", None, ("name", "kana", "contact")),
    Demo("day_place", "c02", "mcw.karasuyama", "hinata_workshop", "day_activity", "rejected", date(2010, 6, 1),
         date(2010, 6, 15), "日中の居場所を探している。", None, ("name", "kana"),
         status_reason="今年度の定員に空きがないため"),
    Demo("draft", "c02", "mcw.karasuyama", "kinuta_centre", "peer_support", "draft", date(2010, 7, 20), None,
         "ピアサポーターとの面談を希望。", None, ("name",)),
)


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), TOKYO)


async def _consent(session: AsyncSession, refs: DemoRefs, client_id: uuid.UUID, agency_codes: list[str],
                   given_on: date) -> Consent:
    sequence = await session.scalar(select(func.coalesce(func.max(Consent.sequence), 0))
                                    .where(Consent.client_id == client_id)) or 0
    consent = Consent(client_id=client_id, sequence=sequence + 1, agency_ids=[refs.agencies[a] for a in agency_codes],
                      agency_types=["consultation_office", "group_home"],
                      purposes=["referral", "housing_search", "care_coordination"],
                      data_categories=["identity", "contact", "needs_summary", "diagnosis"], given_on=given_on,
                      recorded_how="signed_form", recorded_by=refs.users["cw.karasuyama"])
    session.add(consent)
    await session.flush()
    return consent


async def seed(session: AsyncSession, refs: DemoRefs) -> None:
    clients = refs.extra["clients"]
    consents: dict[str, Consent] = {}
    for ref in sorted({d.client for d in DEMOS}):
        consents[ref] = await _consent(session, refs, clients[ref], ["kinuta_centre", "hinata_workshop"],
                                       date(2010, 3, 15))
    made: dict[str, Referral] = {}
    refs.extra["referrals"] = {}
    for d in DEMOS:
        sender = refs.users[d.sender]
        from_agency = _agency_of(refs, d.sender)
        client = await session.get(Client, clients[d.client])
        assert client is not None
        parent = made.get(d.parent) if d.parent else None
        values = dict(parent.shared_snapshot or {}) if parent else client_values(client)
        values["needs_summary"] = d.needs
        fields = [f for f in d.fields if f != "needs_summary" or d.needs]
        sent = d.status != "draft"
        referral = Referral(
            from_agency_id=from_agency, requester_id=sender, requester_kind="user", to_agency_id=refs.agencies[d.to],
            client_id=client.id, purpose=d.purpose, priority="routine", reason=d.reason, due_on=d.due_on,
            status=d.status, status_reason=d.status_reason, business_status=d.business_status,
            part_of_id=parent.id if parent else None, consent_id=consents[d.client].id if sent else None,
            shared_fields=sorted(fields), shared_snapshot=snapshot_of(fields, values) if sent else None,
            needs_summary=d.needs, sent_at=_at(d.sent_on) if sent else None,
        )
        session.add(referral)
        await session.flush()
        made[d.key] = referral
        refs.extra["referrals"][d.key] = referral.id
        session.add(ReferralStatusChange(referral_id=referral.id, action="create", to_status="draft",
                                         by_principal=sender, by_agency_id=from_agency, at=_at(d.sent_on, 9)))
        before = "draft"
        for n, action in enumerate(_PATH[d.status]):
            receiver_side = action not in ("send", "cancel")
            session.add(ReferralStatusChange(
                referral_id=referral.id, action=action, from_status=before, to_status=_TO[action],
                reason=d.status_reason if action in ("reject", "cancel") else None,
                by_agency_id=referral.to_agency_id if receiver_side else from_agency,
                by_principal=None if receiver_side else sender, at=_at(d.sent_on, 10 + n)))
            before = _TO[action]
        if sent:
            session.add(ThirdPartyProvision(
                client_id=client.id, recipient_agency_id=referral.to_agency_id, referral_id=referral.id,
                data_items=sorted(fields), data_categories=data_categories_for(fields), purpose=d.purpose,
                consent_id=consents[d.client].id, provided_by=sender, provided_by_kind="user",
                provided_by_name=d.sender, provider_agency_id=from_agency, provided_at=_at(d.sent_on)))
        if d.message:
            session.add(ReferralMessage(referral_id=referral.id, author_id=sender, author_kind="user",
                                        author_name=d.sender, author_agency_id=from_agency, body=d.message,
                                        created_at=_at(d.sent_on, 15)))
    await session.flush()


def _agency_of(refs: DemoRefs, username: str) -> uuid.UUID:
    user = next(u for u in nl.USERS if u.username == username)
    return refs.agencies[user.agency_code]
