"""Coded lists with Japanese and English labels, served by GET /v1/reference/{list} so front-ends
never hard-code them. Programmes and branches are data (tables), not code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    ja: str
    en: str
    group: str | None = None


def _codes(*items: tuple[str, str, str] | tuple[str, str, str, str]) -> tuple[Code, ...]:
    return tuple(Code(*item) for item in items)


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
CLOSURE_REASONS = _codes(
    ("goal_achieved", "目標達成", "Goal achieved"),
    ("moved_away", "転居", "Moved away"),
    ("assistance_ended", "生活保護廃止", "Public assistance ended"),
    ("client_withdrew", "本人の希望による終了", "Client asked to stop"),
    ("hospitalised", "入院", "Hospitalised"),
    ("transferred", "他事業へ移行", "Transferred to another programme"),
    ("died", "死亡", "Died"),
    ("other", "その他", "Other"),
)
EPISODE_STATUSES = _codes(
    ("proposed", "支援提案中", "Proposed"),
    ("active", "支援中", "Active"),
    ("on_hold", "一時中断（入院等）", "On hold"),
    ("finished", "支援終了", "Finished"), ("cancelled", "取消", "Cancelled"),
)
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
REFERRAL_PURPOSES = _codes(
    ("housing_search", "住居探し", "Housing search"),
    ("group_home", "グループホーム探し", "Group home search"),
    ("consultation_support", "相談支援", "Consultation support"),
    ("outpatient", "通院・医療", "Outpatient or medical care"),
    ("trial_stay", "体験宿泊", "Trial stay"),
    ("peer_support", "ピアサポート", "Peer support"),
    ("day_activity", "日中活動の場", "Day activity place"),
    ("employment_support", "就労支援", "Employment support"),
    ("home_help", "ホームヘルプ", "Home help"),
    ("other", "その他", "Other"),
)
REFERRAL_PRIORITIES = _codes(("routine", "通常", "Routine"), ("urgent", "至急", "Urgent"))
REFERRAL_STATUSES = _codes(
    ("draft", "下書き", "Draft"),
    ("requested", "依頼中", "Requested"),
    ("received", "受付済", "Received"),
    ("accepted", "受諾", "Accepted"),
    ("rejected", "辞退", "Rejected"),
    ("in_progress", "対応中", "In progress"),
    ("completed", "完了", "Completed"),
    ("cancelled", "取消", "Cancelled"),
    ("failed", "不調", "Failed"),
)
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


def codes_of(values: tuple[Code, ...]) -> frozenset[str]:
    return frozenset(c.code for c in values)


_GROUP_OF = {c.code: c.group or "other" for c in DIAGNOSIS_CODES}


def diagnosis_group(icd10: str) -> str:
    """The statistics group of an ICD-10 code (F20.0 → F20 → schizophrenia)."""
    return _GROUP_OF.get(icd10.strip().upper()[:3], "other")
