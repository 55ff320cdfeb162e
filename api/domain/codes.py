"""Coded lists with Japanese and English labels, served by GET /v1/reference/{list} so front-ends
never hard-code them. Programmes and branches are data (tables), not code."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Annotated, Any, TypeVar

from pydantic_core import core_schema

from api.domain.episode_transitions import ClosureReason, EpisodeAction, EpisodeStatus
from api.domain.meeting_discussion import ATTENDANCE_KINDS, CAPTURABLE_STATISTICS, ENTRY_KINDS
from api.domain.meeting_minutes import AGENDA_ITEM_KIND_CODES
from api.domain.personal_data import CORRECTABLE_FIELD_NAMES
from api.domain.referral_transitions import ReferralAction, ReferralStatus
from api.domain.resource_directory import CAPACITY_UNIT_CODES, ReferralPurpose
from api.domain.roles import AgencyType


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    ja: str
    en: str
    group: str | None = None


def _codes(*items: tuple[str, str, str] | tuple[str, str, str, str]) -> tuple[Code, ...]:
    return tuple(Code(*item) for item in items)


_E = TypeVar("_E", bound=StrEnum)


def _labelled(members: type[_E], labels: Mapping[_E, tuple[str, str]]) -> tuple[Code, ...]:
    """A list whose codes are a domain enum's (the transitions use them): labels for every member,
    in the enum's order, and none for anything else."""
    assert set(labels) == set(members), f"{members.__name__}: labels for {set(members) ^ set(labels)}"
    return tuple(Code(m.value, *labels[m]) for m in members)


@dataclass(frozen=True, slots=True)
class OneOf:
    """Annotation metadata: the `str` it annotates is one of these codes (`Annotated[str, OneOf(...)]`).
    The schemas give it to pydantic as the same enum a `Literal` would be; the demo data is checked
    against it by a test."""

    values: tuple[str, ...]

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        # Exactly what pydantic makes of a Literal of these codes: the same check, message and enum.
        return core_schema.literal_schema(list(self.values))


def one_of(source: tuple[Code, ...] | type[StrEnum] | Iterable[str]) -> OneOf:
    """The codes of a list (its order), of a domain enum, or named directly."""
    if isinstance(source, tuple) and all(isinstance(c, Code) for c in source):
        return OneOf(tuple(c.code for c in source if isinstance(c, Code)))
    if isinstance(source, type):
        return OneOf(tuple(m.value for m in source))
    return OneOf(tuple(str(v) for v in source))


SEXES = _codes(("female", "女性", "Female"), ("male", "男性", "Male"), ("other", "その他", "Other"),
               ("unknown", "不明", "Not stated"))
RESIDENCE_TYPES = _codes(
    ("psychiatric_ward", "精神科病棟（入院中）", "Psychiatric ward (inpatient)"),
    ("apartment", "アパート・単身", "Apartment"),
    ("group_home", "グループホーム", "Group home"),
    ("family_home", "家族と同居", "Family home"),
    ("other", "その他", "Other"),
)
DIAGNOSIS_GROUPS = _codes(
    ("schizophrenia", "統合失調症圏", "Schizophrenia spectrum"),
    ("mood_depression", "うつ病", "Depression"),
    ("mood_bipolar", "双極性障害", "Bipolar disorder"),
    ("anxiety_stress", "不安・ストレス関連障害", "Anxiety and stress-related"),
    ("personality", "パーソナリティ障害", "Personality disorder"),
    ("substance", "物質使用による障害", "Substance use"),
    ("developmental", "発達障害", "Developmental disorder"),
    ("intellectual", "知的障害", "Intellectual disability"),
    ("other", "その他", "Other"),
)
# ICD-10 chapter F codes in use, each mapped to the group statistics count it under.
DIAGNOSIS_CODES = _codes(
    ("F10", "アルコール使用による精神及び行動の障害", "Alcohol use disorders", "substance"),
    ("F20", "統合失調症", "Schizophrenia", "schizophrenia"),
    ("F22", "持続性妄想性障害", "Persistent delusional disorders", "schizophrenia"),
    ("F25", "統合失調感情障害", "Schizoaffective disorders", "schizophrenia"),
    ("F31", "双極性感情障害", "Bipolar affective disorder", "mood_bipolar"),
    ("F32", "うつ病エピソード", "Depressive episode", "mood_depression"),
    ("F33", "反復性うつ病性障害", "Recurrent depressive disorder", "mood_depression"),
    ("F41", "その他の不安障害", "Other anxiety disorders", "anxiety_stress"),
    ("F43", "重度ストレスへの反応及び適応障害", "Reaction to severe stress", "anxiety_stress"),
    ("F60", "特定のパーソナリティ障害", "Specific personality disorders", "personality"),
    ("F70", "軽度知的障害", "Mild intellectual disability", "intellectual"),
    ("F84", "広汎性発達障害", "Pervasive developmental disorders", "developmental"),
)
ACTIVITY_KINDS = _codes(
    ("home_visit", "家庭訪問", "Home visit"),
    ("office_interview", "来所面接", "Office interview"),
    ("accompaniment", "同行支援", "Accompaniment"),
    ("phone_call", "電話相談", "Phone consultation"),
    ("case_conference", "ケース会議", "Case conference"),
    ("trial_stay", "体験宿泊", "Trial stay"),
    ("peer_support", "ピアサポート", "Peer support"),
    ("other", "その他", "Other"),
)
ACCOMPANIMENT_PURPOSES = _codes(
    ("outpatient", "通院", "Outpatient visit"),
    ("housing", "住居探し", "Flat search"),
    ("procedure", "区役所等の手続き", "Ward-office procedures"),
    ("outing", "外出（美術館・図書館等）", "Outing (museum, library)"),
    ("shopping", "買い物", "Shopping"),
    ("other", "その他", "Other"),
)
CLOSURE_REASONS = _labelled(ClosureReason, {
    ClosureReason.GOAL_ACHIEVED: ("目標達成", "Goal achieved"),
    ClosureReason.MOVED_AWAY: ("転居", "Moved away"),
    ClosureReason.ASSISTANCE_ENDED: ("生活保護廃止", "Public assistance ended"),
    ClosureReason.CLIENT_WITHDREW: ("本人の希望による終了", "Client asked to stop"),
    ClosureReason.HOSPITALISED: ("入院", "Hospitalised"),
    ClosureReason.TRANSFERRED: ("他事業へ移行", "Transferred to another programme"),
    ClosureReason.DIED: ("死亡", "Died"),
    ClosureReason.OTHER: ("その他", "Other"),
})
EPISODE_STATUSES = _labelled(EpisodeStatus, {
    EpisodeStatus.PROPOSED: ("支援提案中", "Proposed"),
    EpisodeStatus.ACTIVE: ("支援中", "Active"),
    EpisodeStatus.ON_HOLD: ("一時中断（入院等）", "On hold"),
    EpisodeStatus.FINISHED: ("支援終了", "Finished"),
    EpisodeStatus.CANCELLED: ("取消", "Cancelled"),
})
GOAL_STATUSES = _codes(
    ("proposed", "提案", "Proposed"), ("active", "取組中", "Active"), ("achieved", "達成", "Achieved"),
    ("dropped", "中止", "Dropped"),
)
TEAM_ROLES = _codes(
    ("caseworker", "ケースワーカー", "Caseworker"),
    ("mental_care_worker", "メンタルケア支援員", "Mental-care support worker"),
    ("public_health_nurse", "保健師", "Public health nurse"),
    ("home_helper", "ヘルパー", "Home helper"),
    ("nurse", "看護師", "Nurse"),
    ("coordinator", "コーディネーター", "Coordinator"),
    ("peer_supporter", "ピアサポーター", "Peer supporter"),
    ("supervisor", "係長", "Supervisor"),
    ("other", "その他", "Other"),
    # --- issue 18: households ---
    ("child_family_support", "子ども家庭支援担当", "Child and family support worker"),
)
CONSENT_PURPOSES = _codes(
    ("programme_enrolment", "支援事業の利用", "Enrolment in a support programme"),
    ("care_coordination", "支援チームでの情報共有", "Sharing within the care team"),
    ("referral", "関係機関への紹介・依頼", "Referral to another agency"),
    ("housing_search", "住居探し", "Housing or group home search"),
    ("medical_care", "医療機関との連携", "Coordination with medical care"),
    ("statistics", "統計への利用", "Statistics"),
)
DATA_CATEGORIES = _codes(
    ("identity", "氏名・生年月日", "Name and date of birth"),
    ("contact", "連絡先", "Contact details"),
    ("needs_summary", "支援ニーズの概要", "Summary of needs"),
    ("diagnosis", "診断名", "Diagnosis"),
    ("public_assistance", "生活保護の状況", "Public-assistance status"),
    ("case_notes", "支援記録", "Case notes"),
)
CONSENT_RECORDED_HOW = _codes(
    ("signed_form", "署名した同意書", "Signed form"),
    ("verbal_with_witness", "口頭（立会人あり）", "Verbal, with a witness"),
)
EMERGENCY_CONTACT_KINDS = _codes(
    ("person", "個人（家族・知人）", "A person (family, friend)"),
    ("staff", "支援者（職員）", "A staff member"),
)
REFERRAL_PURPOSES = _labelled(ReferralPurpose, {
    ReferralPurpose.HOUSING_SEARCH: ("住居探し", "Housing search"),
    ReferralPurpose.GROUP_HOME: ("グループホーム探し", "Group home search"),
    ReferralPurpose.CONSULTATION_SUPPORT: ("相談支援", "Consultation support"),
    ReferralPurpose.OUTPATIENT: ("通院・医療", "Outpatient or medical care"),
    ReferralPurpose.TRIAL_STAY: ("体験宿泊", "Trial stay"),
    ReferralPurpose.PEER_SUPPORT: ("ピアサポート", "Peer support"),
    ReferralPurpose.DAY_ACTIVITY: ("日中活動の場", "Day activity place"),
    ReferralPurpose.EMPLOYMENT_SUPPORT: ("就労支援", "Employment support"),
    ReferralPurpose.HOME_HELP: ("ホームヘルプ", "Home help"),
    ReferralPurpose.OTHER: ("その他", "Other"),
})
REFERRAL_PRIORITIES = _codes(("routine", "通常", "Routine"), ("urgent", "至急", "Urgent"))
REFERRAL_STATUSES = _labelled(ReferralStatus, {
    ReferralStatus.DRAFT: ("下書き", "Draft"),
    ReferralStatus.REQUESTED: ("依頼中", "Requested"),
    ReferralStatus.RECEIVED: ("受付済", "Received"),
    ReferralStatus.ACCEPTED: ("受諾", "Accepted"),
    ReferralStatus.REJECTED: ("辞退", "Rejected"),
    ReferralStatus.IN_PROGRESS: ("対応中", "In progress"),
    ReferralStatus.COMPLETED: ("完了", "Completed"),
    ReferralStatus.CANCELLED: ("取消", "Cancelled"),
    ReferralStatus.FAILED: ("不調", "Failed"),
})
REFERRAL_SHARED_FIELDS = _codes(
    ("name", "氏名", "Name", "identity"),
    ("kana", "氏名（カナ）", "Name in kana", "identity"),
    ("date_of_birth", "生年月日", "Date of birth", "identity"),
    ("contact", "連絡先", "Contact details", "contact"),
    ("needs_summary", "支援ニーズの概要", "Summary of needs", "needs_summary"),
    ("diagnosis_group", "診断分類", "Diagnosis group", "diagnosis"),
)

# Why a worker opened emergency access to a client outside its care teams (break-the-glass).
EMERGENCY_ACCESS_REASONS = _codes(
    ("crisis_call", "夜間・休日の緊急相談", "Crisis call out of hours"),
    ("safety_risk", "本人・他者の安全に関わる事態", "Risk to the client's or others' safety"),
    ("emergency_admission", "緊急入院・救急搬送への対応", "Emergency admission or ambulance"),
    ("missing_person", "所在不明", "Client missing"),
    ("other", "その他", "Other"),
)

# --- issue 18: households, refusals, service use and risk ---
# How a related person stands to the client (the client's mother: "mother").
RELATIONSHIPS = _codes(
    ("mother", "母", "Mother"),
    ("father", "父", "Father"),
    ("sibling", "きょうだい", "Sibling"),
    ("child", "子", "Child"),
    ("spouse", "配偶者", "Spouse"),
    ("partner", "パートナー", "Partner"),
    ("grandparent", "祖父母", "Grandparent"),
    ("grandchild", "孫", "Grandchild"),
    ("other_relative", "その他の親族", "Other relative"),
    ("cohabitant", "同居人", "Cohabitant"),
    ("friend", "知人", "Friend"),
    ("other", "その他", "Other"),
)
# Who told the worker about a client's refusal.
REFUSAL_SOURCES = _codes(
    ("client", "本人の申し出", "The client said so"),
    ("family", "家族から", "Family"),
    ("care_team", "支援者が確認", "A care-team member observed it"),
    ("other_agency", "関係機関から", "Another agency"),
    ("other", "その他", "Other"),
)
# Services a client currently uses (作業所 is a workshop).
SERVICE_USE_KINDS = _codes(
    ("day_activity", "日中活動・地域活動支援センター", "Day activity"),
    ("workshop", "作業所", "Workshop"),
    ("employment_support", "就労支援", "Employment support"),
    ("home_help", "ホームヘルプ", "Home help"),
    ("group_home", "グループホーム", "Group home"),
    ("day_care", "デイケア", "Psychiatric day care"),
    ("visiting_nursing", "訪問看護", "Visiting nursing"),
    ("outpatient", "通院", "Outpatient treatment"),
    ("other", "その他", "Other"),
)
# What the care team watches for; each flag has a review date.
RISK_FLAGS = _codes(
    ("sudden_departure", "突然いなくなるおそれ", "May suddenly leave"),
    ("self_neglect", "セルフネグレクト", "Self-neglect"),
    ("treatment_interruption", "通院・服薬の中断", "Treatment or medication interrupted"),
    ("relapse_signs", "再発の兆候", "Signs of relapse"),
    ("self_harm", "自傷・自殺のおそれ", "Risk of self-harm"),
    ("housing_loss", "住まいを失うおそれ", "May lose housing"),
    ("financial_exploitation", "金銭搾取のおそれ", "Financial exploitation"),
    ("isolation", "孤立", "Isolation"),
    ("family_crisis", "家族の危機", "Family crisis"),
    ("other", "その他", "Other"),
)
# --- issue 18: support plans ---
SUPPORT_PLAN_STATUSES = _codes(
    ("draft", "下書き", "Draft"),
    ("published", "公開済み（変更不可）", "Published (immutable)"),
)
CORRECTION_SOURCES = _codes(
    ("client", "本人", "The client"),
    ("representative", "代理人", "A representative"),
    ("staff", "職員", "A staff member"),
)
CORRECTION_STATUSES = _codes(
    ("requested", "受付", "Requested"), ("accepted", "訂正済", "Accepted"), ("rejected", "訂正せず", "Rejected"),
)
EMERGENCY_ACCESS_REVIEW_STATUSES = _codes(
    ("pending", "確認待ち", "Awaiting review"),
    ("justified", "妥当", "Justified"),
    ("unjustified", "不適切", "Not justified"),
)
# --- issue 18: schedules (item 1) and ending support (item 8) ---
# Why a visit does not fit a worker's day (the `reason` of the 409; api.domain.schedules).
SCHEDULE_CONFLICTS = _codes(
    ("elsewhere", "他の総合支所の勤務日", "At another branch office that day"),
    ("not_working", "勤務日でない", "Not a working day"),
    ("on_leave", "休暇中", "On leave"),
    ("over_capacity", "訪問件数の上限", "Day full (visit capacity reached)"),
)
EPISODE_ENDING_CONDITIONS = _codes(
    ("ending_soon", "終了予定日が近い支援", "Planned end approaching"),
    ("long_running", "長期化している支援", "Running long"),
)
# --- issue 18: consultations without a client record, and intakes (相談受付) ---
ADVICE_REQUEST_STATUSES = _codes(
    ("open", "回答待ち", "Awaiting an answer"),
    ("answered", "回答済み", "Answered"),
)
# Staff work tied to no client: counted in the workload statistics beside the visits.
STAFF_ACTIVITY_KINDS = _codes(
    ("phone_consultation", "電話相談（利用者記録なし）", "Phone consultation (no client record)"),
    ("supporter_support", "支援者支援（委託法人職員との面談）", "Supporter support (talk with contracted workers)"),
    ("case_consultation", "事例相談・助言", "Case consultation or advice"),
    ("liaison", "関係機関との連絡調整", "Liaison with agencies"),
    ("training", "研修・勉強会", "Training"),
    ("other", "その他", "Other"),
)
INTAKE_URGENCIES = _codes(
    ("routine", "通常", "Routine"),
    ("soon", "早めに対応", "Soon"),
    ("urgent", "至急", "Urgent"),
)
INTAKE_REFERRER_TYPES = _codes(
    ("self", "本人", "The person themself"),
    ("family", "家族", "Family"),
    ("neighbour", "近隣・知人", "Neighbour or acquaintance"),
    ("welfare_commissioner", "民生委員", "Welfare commissioner"),
    ("hospital", "病院", "Hospital"),
    ("ward_staff", "区職員", "Ward staff"),
    ("agency", "関係機関", "Other agency"),
    ("police", "警察", "Police"),
    ("other", "その他", "Other"),
)
# The enquiry's own consent state: the person may not know of it yet, or not yet agree.
INTAKE_CONSENT_STATES = _codes(
    ("not_asked", "未確認", "Not asked yet"),
    ("not_possible", "確認できない状態", "Cannot be asked yet"),
    ("verbal", "口頭で同意", "Agreed verbally"),
    ("written", "書面で同意", "Agreed in writing"),
    ("refused", "拒否", "Refused"),
)
INTAKE_TRIAGE_OUTCOMES = _codes(
    ("pending", "未判定", "Not triaged yet"),
    ("information_only", "情報提供のみ", "Information given only"),
    ("refer_elsewhere", "他機関へつなぐ", "Referred elsewhere"),
    ("outreach", "訪問・アウトリーチで把握", "Outreach to find out more"),
    ("assess", "支援の要否を評価", "Assess for support"),
    ("accept", "支援対象として受理", "Accepted for support"),
    ("no_action", "対応不要", "No action needed"),
)
INTAKE_STATUSES = _codes(
    ("open", "受付中", "Open"),
    ("converted", "利用者登録済み", "Registered as a client"),
    ("closed", "終了", "Closed"),
)

LISTS: Mapping[str, tuple[Code, ...]] = MappingProxyType(
    {
        "sexes": SEXES,
        "residence-types": RESIDENCE_TYPES,
        "diagnosis-groups": DIAGNOSIS_GROUPS,
        "diagnosis-codes": DIAGNOSIS_CODES,
        "activity-kinds": ACTIVITY_KINDS,
        "accompaniment-purposes": ACCOMPANIMENT_PURPOSES,
        "closure-reasons": CLOSURE_REASONS,
        "episode-statuses": EPISODE_STATUSES,
        "goal-statuses": GOAL_STATUSES,
        "team-roles": TEAM_ROLES,
        "consent-purposes": CONSENT_PURPOSES,
        "data-categories": DATA_CATEGORIES,
        "consent-recorded-how": CONSENT_RECORDED_HOW,
        "emergency-contact-kinds": EMERGENCY_CONTACT_KINDS,
        "referral-purposes": REFERRAL_PURPOSES,
        "referral-priorities": REFERRAL_PRIORITIES,
        "referral-statuses": REFERRAL_STATUSES,
        "referral-shared-fields": REFERRAL_SHARED_FIELDS,
        "emergency-access-reasons": EMERGENCY_ACCESS_REASONS,
        # --- issue 18: households, refusals, service use and risk ---
        "relationships": RELATIONSHIPS,
        "refusal-sources": REFUSAL_SOURCES,
        "service-use-kinds": SERVICE_USE_KINDS,
        "risk-flags": RISK_FLAGS,
        # --- issue 18: support plans ---
        "support-plan-statuses": SUPPORT_PLAN_STATUSES,
        "emergency-access-review-statuses": EMERGENCY_ACCESS_REVIEW_STATUSES,
        "correction-sources": CORRECTION_SOURCES,
        "correction-statuses": CORRECTION_STATUSES,
        # --- issue 18: schedules and ending support ---
        "schedule-conflicts": SCHEDULE_CONFLICTS,
        "episode-ending-conditions": EPISODE_ENDING_CONDITIONS,
        # --- issue 18: consultations without a client record, and intakes ---
        "advice-request-statuses": ADVICE_REQUEST_STATUSES,
        "staff-activity-kinds": STAFF_ACTIVITY_KINDS,
        "intake-urgencies": INTAKE_URGENCIES,
        "intake-referrer-types": INTAKE_REFERRER_TYPES,
        "intake-consent-states": INTAKE_CONSENT_STATES,
        "intake-triage-outcomes": INTAKE_TRIAGE_OUTCOMES,
        "intake-statuses": INTAKE_STATUSES,
    }
)

# ------------------------------------------------------------- the same lists as field types ----
# Schemas, query parameters and the demo data annotate their fields with these, so each list is
# written once (above, or as the domain enum it labels); a field's OpenAPI enum is its list's codes.

Sex = Annotated[str, one_of(SEXES)]
ResidenceType = Annotated[str, one_of(RESIDENCE_TYPES)]
ActivityKind = Annotated[str, one_of(ACTIVITY_KINDS)]
AccompanimentPurpose = Annotated[str, one_of(ACCOMPANIMENT_PURPOSES)]
ClosureReasonCode = Annotated[str, one_of(CLOSURE_REASONS)]
EpisodeStatusCode = Annotated[str, one_of(EPISODE_STATUSES)]
EpisodeActionName = Annotated[str, one_of(EpisodeAction)]
GoalStatus = Annotated[str, one_of(GOAL_STATUSES)]
TeamRole = Annotated[str, one_of(TEAM_ROLES)]
ConsentPurpose = Annotated[str, one_of(CONSENT_PURPOSES)]
DataCategory = Annotated[str, one_of(DATA_CATEGORIES)]
ConsentRecordedHow = Annotated[str, one_of(CONSENT_RECORDED_HOW)]
# A consent names recipients by agency type; the council secretariat receives no client data.
CONSENT_AGENCY_TYPES = tuple(t.value for t in AgencyType if t != AgencyType.council_secretariat)
ConsentAgencyType = Annotated[str, one_of(CONSENT_AGENCY_TYPES)]
EmergencyContactKind = Annotated[str, one_of(EMERGENCY_CONTACT_KINDS)]
ReferralPurposeCode = Annotated[str, one_of(REFERRAL_PURPOSES)]
ReferralPriority = Annotated[str, one_of(REFERRAL_PRIORITIES)]
ReferralStatusCode = Annotated[str, one_of(REFERRAL_STATUSES)]
ReferralActionName = Annotated[str, one_of(ReferralAction)]
ReferralSharedField = Annotated[str, one_of(REFERRAL_SHARED_FIELDS)]
EmergencyAccessReason = Annotated[str, one_of(EMERGENCY_ACCESS_REASONS)]
EmergencyAccessReviewStatus = Annotated[str, one_of(EMERGENCY_ACCESS_REVIEW_STATUSES)]
CorrectionSource = Annotated[str, one_of(CORRECTION_SOURCES)]
CorrectionStatus = Annotated[str, one_of(CORRECTION_STATUSES)]
CorrectableField = Annotated[str, one_of(CORRECTABLE_FIELD_NAMES)]
AgendaItemKind = Annotated[str, one_of(AGENDA_ITEM_KIND_CODES)]
CapacityUnit = Annotated[str, one_of(CAPACITY_UNIT_CODES)]


def codes_of(values: tuple[Code, ...]) -> frozenset[str]:
    return frozenset(c.code for c in values)


_GROUP_OF = {c.code: c.group or "other" for c in DIAGNOSIS_CODES}


def diagnosis_group(icd10: str) -> str:
    """The statistics group of an ICD-10 code (F20.0 → F20 → schizophrenia)."""
    return _GROUP_OF.get(icd10.strip().upper()[:3], "other")
# --- issue 18: households, refusals, service use and risk, support plans ---
Relationship = Annotated[str, one_of(RELATIONSHIPS)]
RefusalSource = Annotated[str, one_of(REFUSAL_SOURCES)]
ServiceUseKind = Annotated[str, one_of(SERVICE_USE_KINDS)]
RiskFlagCode = Annotated[str, one_of(RISK_FLAGS)]
SupportPlanStatus = Annotated[str, one_of(SUPPORT_PLAN_STATUSES)]
EpisodeEndingCondition = Annotated[str, one_of(EPISODE_ENDING_CONDITIONS)]
StaffActivityKind = Annotated[str, one_of(STAFF_ACTIVITY_KINDS)]
IntakeUrgency = Annotated[str, one_of(INTAKE_URGENCIES)]
IntakeReferrerType = Annotated[str, one_of(INTAKE_REFERRER_TYPES)]
IntakeConsentState = Annotated[str, one_of(INTAKE_CONSENT_STATES)]
IntakeTriageOutcome = Annotated[str, one_of(INTAKE_TRIAGE_OUTCOMES)]
# What a triage may decide: every outcome but "pending", which only an untriaged intake has.
INTAKE_TRIAGE_DECISIONS = tuple(c.code for c in INTAKE_TRIAGE_OUTCOMES if c.code != "pending")
IntakeTriageDecision = Annotated[str, one_of(INTAKE_TRIAGE_DECISIONS)]
IntakeStatus = Annotated[str, one_of(INTAKE_STATUSES)]
AdviceRequestStatus = Annotated[str, one_of(ADVICE_REQUEST_STATUSES)]
# --- issue 18: what the council reports ---
MinutesEntryKind = Annotated[str, one_of(ENTRY_KINDS)]
AttendanceKind = Annotated[str, one_of(ATTENDANCE_KINDS)]
CapturableStatistic = Annotated[str, one_of(CAPTURABLE_STATISTICS)]
