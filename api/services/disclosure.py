"""The disclosure package (保有個人データの開示, APPI art. 33): everything the service holds about
one client, as one printable Japanese document: the record, consents, support episodes with their
decisions, goals and activities, referrals and what each shared, third-party provision records,
correction requests, related persons, refusals, service use, risk flags, support plans, the intake
the record began as, advice requests about the client and the access log. Produced
for the client by staff the policy allows, and itself audited (action `disclose`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from api.db.models import (
    Activity,
    AdviceRequest,
    Agency,
    AuditEvent,
    Client,
    ClientRefusal,
    Consent,
    CorrectionRequest,
    Decision,
    Episode,
    Goal,
    Intake,
    Programme,
    Referral,
    RelatedPerson,
    RiskFlag,
    ServiceUse,
    SupportPlan,
    ThirdPartyProvision,
)
from api.db.unit import RequestUnit
from api.domain import codes
from api.domain.access_rules import Action
from api.domain.principal import Principal
from api.services import clients as client_service
from api.services.guard import require

TOKYO = ZoneInfo("Asia/Tokyo")
_CLIENT_FIELDS = (
    ("name", "氏名"), ("kana", "フリガナ"), ("date_of_birth", "生年月日"), ("sex", "性別"),
    ("branch_code", "担当総合支所"),
    ("residence_type", "居住形態"), ("residence_since", "居住開始日"), ("public_assistance", "生活保護"),
    ("diagnoses", "診断（ICD-10）"), ("phone", "電話"), ("emergency_contacts", "緊急連絡先"),
    ("years_inpatient", "入院年数"), ("years_homeless", "路上生活年数"), ("notes", "備考"),
    ("active", "支援対象"), ("deactivation_reason", "対象外とした理由"), ("created_at", "登録日時"),
)
_ACTIONS_JA = {"read": "閲覧", "create": "作成", "update": "変更", "denied": "拒否", "disclose": "開示",
               "export": "出力", "login": "ログイン", "validate": "検証"}


def _label(values: Sequence[codes.Code], code: str | None) -> str:
    if code is None:
        return ""
    return next((c.ja for c in values if c.code == code), code)


def _text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, datetime):
        return value.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "、".join(_text(v) for v in value) or "—"
    if isinstance(value, dict):
        return "、".join(f"{k}: {_text(v)}" for k, v in value.items() if v not in (None, "")) or "—"
    return str(value)


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    body = "".join("<tr>" + "".join(f"<td>{escape(_text(c))}</td>" for c in row) + "</tr>" for row in rows)
    if not body:
        return "<p>記録はありません。</p>"
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(title: str, content: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{content}</section>"


async def _load(unit: RequestUnit, client_id: uuid.UUID) -> dict[str, Any]:
    session = unit.session
    episodes = (await session.execute(
        select(Episode, Programme).join(Programme, Programme.id == Episode.programme_id)
        .where(Episode.client_id == client_id).order_by(Episode.proposed_on, Episode.id))).all()
    ids = [e.id for e, _ in episodes]
    return {
        "consents": (await session.scalars(select(Consent).where(Consent.client_id == client_id)
                                           .order_by(Consent.sequence))).all(),
        "episodes": episodes,
        "decisions": (await session.scalars(select(Decision).where(Decision.episode_id.in_(ids))
                                            .order_by(Decision.decided_on, Decision.created_at))).all(),
        "goals": (await session.scalars(select(Goal).where(Goal.episode_id.in_(ids))
                                        .order_by(Goal.created_at))).all(),
        "activities": (await session.scalars(select(Activity).where(Activity.client_id == client_id)
                                             .order_by(Activity.occurred_at, Activity.id))).all(),
        "referrals": (await session.execute(
            select(Referral, Agency).join(Agency, Agency.id == Referral.to_agency_id)
            .where(Referral.client_id == client_id).order_by(Referral.created_at))).all(),
        "provisions": (await session.execute(
            select(ThirdPartyProvision, Agency).join(Agency, Agency.id == ThirdPartyProvision.recipient_agency_id)
            .where(ThirdPartyProvision.client_id == client_id).order_by(ThirdPartyProvision.provided_at))).all(),
        "corrections": (await session.scalars(select(CorrectionRequest).where(
            CorrectionRequest.client_id == client_id).order_by(CorrectionRequest.requested_at))).all(),
        "access": (await session.scalars(select(AuditEvent).where(AuditEvent.client_id == client_id)
                                         .order_by(AuditEvent.at, AuditEvent.seq))).all(),
        # --- issue 18: households, refusals, service use and risk ---
        "related": (await session.scalars(select(RelatedPerson).where(RelatedPerson.client_id == client_id)
                                          .order_by(RelatedPerson.created_at, RelatedPerson.id))).all(),
        "refusals": (await session.execute(
            select(ClientRefusal, Agency).outerjoin(Agency, Agency.id == ClientRefusal.agency_id)
            .where(ClientRefusal.client_id == client_id).order_by(ClientRefusal.refused_on, ClientRefusal.id))).all(),
        "service_uses": (await session.execute(
            select(ServiceUse, Agency).outerjoin(Agency, Agency.id == ServiceUse.provider_agency_id)
            .where(ServiceUse.client_id == client_id).order_by(ServiceUse.started_on, ServiceUse.id))).all(),
        "risk_flags": (await session.scalars(select(RiskFlag).where(RiskFlag.client_id == client_id)
                                             .order_by(RiskFlag.raised_on, RiskFlag.id))).all(),
        # --- issue 18: support plans, the intake, advice requests ---
        "support_plans": (await session.scalars(select(SupportPlan).where(SupportPlan.client_id == client_id)
                                                .order_by(SupportPlan.episode_id, SupportPlan.number))).all(),
        "intakes": (await session.scalars(select(Intake).where(Intake.client_id == client_id))).all(),
        "advice": (await session.scalars(select(AdviceRequest).where(AdviceRequest.client_id == client_id)
                                         .order_by(AdviceRequest.asked_at, AdviceRequest.id))).all(),
    }


def _client_section(client: Client) -> str:
    rows = []
    for field, label in _CLIENT_FIELDS:
        value: object = getattr(client, field)
        if field == "sex":
            value = _label(codes.SEXES, client.sex)
        elif field == "residence_type":
            value = _label(codes.RESIDENCE_TYPES, client.residence_type)
        rows.append((label, value))
    return _section("本人情報", _table(("項目", "内容"), rows))


def render(client: Client, data: dict[str, Any], *, by: Principal, at: datetime) -> str:
    goals_by_episode: dict[uuid.UUID, list[Goal]] = {}
    for goal in data["goals"]:
        goals_by_episode.setdefault(goal.episode_id, []).append(goal)
    decisions_by_episode: dict[uuid.UUID, list[Decision]] = {}
    for decision in data["decisions"]:
        decisions_by_episode.setdefault(decision.episode_id, []).append(decision)
    episodes = []
    for episode, programme in data["episodes"]:
        parts = [_table(("事業", "状態", "提案日", "開始日", "終了予定日", "終了日", "終了理由", "終了時の生活状況"), [(
            programme.name_ja, _label(codes.EPISODE_STATUSES, episode.status), episode.proposed_on,
            episode.started_on, episode.planned_end, episode.ended_on,
            _label(codes.CLOSURE_REASONS, episode.closure_reason), episode.living_situation_at_closure)])]
        parts.append("<h3>支援会議の決定</h3>" + _table(("決定日", "内容", "決定", "記録"), [
            (d.decided_on, d.body, d.decision, d.notes) for d in decisions_by_episode.get(episode.id, [])]))
        parts.append("<h3>目標</h3>" + _table(("目標", "状態"), [
            (g.text, _label(codes.GOAL_STATUSES, g.status)) for g in goals_by_episode.get(episode.id, [])]))
        episodes.append(f"<article><h3>{escape(programme.name_ja)}</h3>{''.join(parts)}</article>")
    sections = [
        _client_section(client),
        _section("同意の記録", _table(("版", "同意日", "有効期限", "利用目的", "情報の種類", "提供先の機関種別",
                                       "撤回日"), [
            (c.sequence, c.given_on, c.expires_on, [_label(codes.CONSENT_PURPOSES, p) for p in c.purposes],
             [_label(codes.DATA_CATEGORIES, d) for d in c.data_categories], c.agency_types, c.withdrawn_on)
            for c in data["consents"]])),
        _section("支援", "".join(episodes) or "<p>記録はありません。</p>"),
        _section("支援記録", _table(("日時", "種類", "所要時間（分）", "記録", "次回"), [
            (a.occurred_at, _label(codes.ACTIVITY_KINDS, a.kind), a.duration_minutes, a.note, a.next_step)
            for a in data["activities"]])),
        _section("紹介・依頼", _table(("提供先", "目的", "状態", "送付日時", "提供した項目", "提供した内容"), [
            (agency.name_ja, _label(codes.REFERRAL_PURPOSES, r.purpose), _label(codes.REFERRAL_STATUSES, r.status),
             r.sent_at, [_label(codes.REFERRAL_SHARED_FIELDS, f) for f in r.shared_fields], r.shared_snapshot)
            for r, agency in data["referrals"]])),
        _section("第三者提供の記録", _table(("提供日時", "提供先", "提供した項目", "目的", "提供者"), [
            (p.provided_at, agency.name_ja, [_label(codes.REFERRAL_SHARED_FIELDS, i) for i in p.data_items],
             _label(codes.REFERRAL_PURPOSES, p.purpose), p.provided_by_name) for p, agency in data["provisions"]])),
        _section("訂正請求", _table(("受付日", "項目", "請求内容", "結果", "理由", "訂正前", "訂正後"), [
            (c.received_on, c.field, c.requested_value, {"requested": "検討中", "accepted": "訂正",
                                                          "rejected": "訂正しない"}[c.status],
             c.decision_reason, c.old_value, c.new_value) for c in data["corrections"]])),
        # --- issue 18: households, refusals, service use and risk --- a related person's own notes and
        # client record are that person's data, not the client's: left out.
        _section("家族・世帯", _table(("続柄", "氏名", "同一世帯"), [
            (_label(codes.RELATIONSHIPS, p.relationship), p.name, p.lives_in_household) for p in data["related"]])),
        _section("拒否している関わり", _table(("対象", "拒否した日", "情報源", "終了日"), [
            (agency.name_ja if agency is not None else _label(codes.TEAM_ROLES, r.team_role), r.refused_on,
             _label(codes.REFUSAL_SOURCES, r.source), r.ended_on) for r, agency in data["refusals"]])),
        _section("利用サービス", _table(("種類", "提供機関", "開始日", "終了日", "週の日数"), [
            (_label(codes.SERVICE_USE_KINDS, u.kind), agency.name_ja if agency is not None else u.provider_name,
             u.started_on, u.ended_on, u.days_per_week) for u, agency in data["service_uses"]])),
        _section("リスク情報", _table(("内容", "記録日", "見直し日", "解消日", "メモ"), [
            (_label(codes.RISK_FLAGS, f.code), f.raised_on, f.review_on, f.resolved_on, f.note)
            for f in data["risk_flags"]])),
        # --- issue 18: support plans (every version), the intake, advice requests about the client ---
        _section("支援方針", _table(("版", "状態", "公開日時", "方針", "目標", "役割分担"), [
            (p.number, _label(codes.SUPPORT_PLAN_STATUSES, p.status), p.published_at, p.policy, p.goals,
             [f"{_label(codes.TEAM_ROLES, a.get('team_role'))}: {a.get('task', '')}" for a in p.assignments])
            for p in data["support_plans"]])),
        _section("相談受付", _table(("受付日時", "相談の内容", "紹介元", "緊急度", "判断", "判断の記録", "登録日時"), [
            (i.received_at, i.description, _label(codes.INTAKE_REFERRER_TYPES, i.referrer_type),
             _label(codes.INTAKE_URGENCIES, i.urgency), _label(codes.INTAKE_TRIAGE_OUTCOMES, i.triage_outcome),
             i.triage_note, i.converted_at) for i in data["intakes"]])),
        _section("専門職への助言依頼", _table((
            "依頼日時", "件名", "依頼内容", "本人についての要約", "回答", "回答日時"), [
            (a.asked_at, a.subject, a.question, a.client_summary, a.answer, a.answered_at) for a in data["advice"]])),
        _section("アクセス記録", _table(("日時", "操作", "操作者", "役割", "対象", "結果", "目的"), [
            (e.at, _ACTIONS_JA.get(e.action, e.action), e.actor_name, e.role, e.resource_type, e.outcome, e.purpose)
            for e in data["access"]])),
    ]
    title = "保有個人データ開示書"
    return (
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em;color:#111}table{border-collapse:collapse;margin:.5em 0}"
        "th,td{border:1px solid #555;padding:.25em .5em;text-align:left;vertical-align:top}"
        "@media print{section{break-inside:avoid}}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f"<p>対象: {escape(client.name)}（{escape(client.kana)}）　作成: {escape(_text(at))}　"
        f"作成者: {escape(by.name)}</p>"
        + "".join(sections)
        + "</body></html>"
    )


async def package(unit: RequestUnit, principal: Principal, client_id: uuid.UUID, at: datetime) -> str:
    client = await client_service.get_visible(unit, principal, client_id)
    require(unit, principal, Action.client_disclose, resource_type="client", resource_id=client_id,
            client_id=client_id)
    data = await _load(unit, client_id)
    unit.audit("disclose", "client", resource_id=client_id, client_id=client_id,
               detail={"sections": 15, "access_events": len(data["access"])})
    return render(client, data, by=principal, at=at)
