"""Demo data taken from the FY2010 newsletter of the community-transition subcommittee.

Source: the newsletter of 世田谷区地域自立支援協議会・地域移行部会 about its meeting of 21 July 2010
(平成22年度 第2回); the text itself is not part of this repository, what the service takes from it
is described in docs/architecture.md §1. The branch offices, the
programmes, the agencies named in it (MOTA, サポートセンターきぬた, HASIC, 東京都保護課,
都立精神保健福祉センター), the meetings and the figures reported are taken from it.

Everything about individuals is fictional: every staff member, client, phone number and address,
and the agencies the newsletter only describes (the contracted corporation, the psychiatric
hospital in the Karasuyama area, the consultation support office, the group home, the workshop).
The real people quoted in the newsletter are referred to by their role only.

Plain constants, standard library only: ``api.demo.load`` (or any other loader) turns them into
rows. Kana readings are full-width katakana with single ASCII spaces between words, the form
``api.domain.kana.normalize_kana`` stores. Codes are the ones used by ``api.domain`` (roles,
agency types, episode statuses, closure reasons, meeting statuses).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from types import MappingProxyType
from typing import Annotated, Final, Literal

from api.domain import codes, meeting_transitions, resource_directory, roles
from api.domain.codes import one_of

__all__ = [
    "AGENCIES",
    "BRANCHES",
    "CLIENTS",
    "COUNCIL",
    "DEMO_AS_OF",
    "DEMO_PASSWORD",
    "DIAGNOSIS_GROUPS",
    "DIAGNOSIS_GROUP_LABELS",
    "DIVISIONS",
    "JST",
    "MACHINE_CLIENTS",
    "MEETINGS",
    "PROGRAMMES",
    "SOCIAL_RESOURCES",
    "USERS",
    "Agency",
    "AgencyType",
    "AgendaItem",
    "AgendaItemKind",
    "Branch",
    "CapacityUnit",
    "Client",
    "ClosureReason",
    "Council",
    "DiagnosisCode",
    "DiagnosisGroup",
    "Division",
    "Enrolment",
    "EpisodeStatus",
    "MachineClient",
    "Meeting",
    "MeetingStatus",
    "Presenter",
    "Programme",
    "ReportedFigure",
    "ResidenceType",
    "ResourceCategory",
    "ResourceStatus",
    "Role",
    "Sex",
    "SocialResource",
    "User",
    "WorkPattern",
    "demo_secret",
]

# --------------------------------------------------------------------------- code lists ----

# The demo's fields carry the domain's code lists (api.domain: the enums and api.domain.codes), so the
# newsletter's people, episodes, meetings and places use no code the API would refuse; a unit test
# checks every value against its field's list.
Role = Annotated[str, one_of(roles.Role)]
AgencyType = Annotated[str, one_of(roles.AgencyType)]
EpisodeStatus = codes.EpisodeStatusCode
ClosureReason = codes.ClosureReasonCode
ResidenceType = codes.ResidenceType
Sex = codes.Sex
MeetingStatus = Annotated[str, one_of(meeting_transitions.MeetingStatus)]
AgendaItemKind = codes.AgendaItemKind
ResourceCategory = Annotated[str, one_of(resource_directory.ServiceCategory)]
# How the newsletter describes a place's state; seed_resources maps it onto ServiceStatus.
ResourceStatus = Literal["open", "temporarily_closed", "closing", "closed"]
CapacityUnit = codes.CapacityUnit

JST: Final = timezone(timedelta(hours=9), "JST")
"""Asia/Tokyo has had no daylight saving since 1951, so a fixed +09:00 offset is exact here."""

DEMO_AS_OF: Final = date(2010, 7, 21)
"""The demo world is seen as on the day of the July meeting: no episode date lies after it."""

# Local demo credential only: never use it, or anything derived from it, outside a developer machine.
DEMO_PASSWORD: Final = "demo-password-2010"


def demo_secret(client_id: str) -> str:
    """The machine client's secret. Local demo credential only, like ``DEMO_PASSWORD``."""
    return f"demo-secret-{client_id}"


# ----------------------------------------------------------------------------- branches ----


@dataclass(frozen=True, slots=True, kw_only=True)
class Division:
    """A division (課) that every branch office has; its agency code is ``<branch>_<division>``."""

    code: str
    name_ja: str
    name_en: str
    function_en: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Branch:
    """One of the ward's five branch offices (総合支所)."""

    code: str
    name_ja: str
    name_kana: str
    name_en: str
    short_name_ja: str
    sort_order: int
    divisions: tuple[Division, ...]


DIVISIONS: Final[tuple[Division, ...]] = (
    Division(
        code="seikatsu_shien",
        name_ja="生活支援課",
        name_en="Livelihood Support Division",
        function_en="public assistance (生活保護): caseworkers and their supervisors (係長)",
    ),
    Division(
        code="hoken_fukushi",
        name_ja="保健福祉課",
        name_en="Health and Welfare Division",
        function_en="disability and welfare services, certificates and benefits",
    ),
    Division(
        code="kenko_zukuri",
        name_ja="健康づくり課",
        name_en="Health Promotion Division",
        function_en="public health nurses (保健師) and mental-health consultation",
    ),
)


def _branch(code: str, kanji: str, kana: str, en: str, order: int) -> Branch:
    return Branch(
        code=code,
        name_ja=f"{kanji}総合支所",
        name_kana=f"{kana} ソウゴウ シショ",
        name_en=f"{en} Branch Office",
        short_name_ja=kanji,
        sort_order=order,
        divisions=DIVISIONS,
    )


BRANCHES: Final[tuple[Branch, ...]] = (
    _branch("setagaya", "世田谷", "セタガヤ", "Setagaya", 1),
    _branch("kitazawa", "北沢", "キタザワ", "Kitazawa", 2),
    _branch("tamagawa", "玉川", "タマガワ", "Tamagawa", 3),
    _branch("kinuta", "砧", "キヌタ", "Kinuta", 4),
    _branch("karasuyama", "烏山", "カラスヤマ", "Karasuyama", 5),
)

# ----------------------------------------------------------------------------- agencies ----


@dataclass(frozen=True, slots=True, kw_only=True)
class Agency:
    """An organisation a principal belongs to or a client is referred to.

    ``branch_code`` is set for the ward's branch offices and their divisions only;
    ``parent_code`` names the agency this one is part of (a division's branch office).
    """

    code: str
    name_ja: str
    name_en: str
    type: AgencyType
    branch_code: str | None = None
    parent_code: str | None = None
    fictional: bool = False
    note_ja: str = ""


def _ward_agencies() -> tuple[Agency, ...]:
    rows: list[Agency] = []
    for branch in BRANCHES:
        branch_agency = f"{branch.code}_branch"
        rows.append(
            Agency(
                code=branch_agency,
                name_ja=f"世田谷区 {branch.name_ja}",
                name_en=f"Setagaya City, {branch.name_en}",
                type="ward_branch",
                branch_code=branch.code,
            )
        )
        for division in branch.divisions:
            rows.append(
                Agency(
                    code=f"{branch.code}_{division.code}",
                    name_ja=f"{branch.name_ja} {division.name_ja}",
                    name_en=f"{branch.name_en}, {division.name_en}",
                    type="ward_division",
                    branch_code=branch.code,
                    parent_code=branch_agency,
                )
            )
    return tuple(rows)


AGENCIES: Final[tuple[Agency, ...]] = (
    *_ward_agencies(),
    Agency(
        code="ward_disability_welfare",
        name_ja="世田谷区 障害福祉担当課（本庁）",
        name_en="Setagaya City, Disability Welfare Division (head office)",
        type="ward_division",
        fictional=True,
        note_ja="本庁の所管課（名称は架空）。システム管理・監査・ダッシュボード利用者の所属。",
    ),
    Agency(
        code="council_secretariat",
        name_ja="世田谷区地域自立支援協議会 地域移行部会事務局",
        name_en="Setagaya Community Living Support Council, Community Transition Subcommittee Secretariat",
        type="council_secretariat",
        parent_code="ward_disability_welfare",
        note_ja="部会の開催、開催のお知らせの送付、部会通信の発行を担う。",
    ),
    Agency(
        code="mota",
        name_ja="地域生活支援センターMOTA",
        name_en="Community Life Support Centre MOTA",
        type="support_centre",
        note_ja="東京都精神障害者退院促進支援事業を受託（平成22年度で3年目）。",
    ),
    Agency(
        code="kinuta_centre",
        name_ja="サポートセンターきぬた",
        name_en="Support Centre Kinuta",
        type="support_centre",
        note_ja="東京都精神障害者退院促進支援事業を受託（平成22年度で3年目）。体験宿泊室あり（架空の設定）。",
    ),
    Agency(
        code="hasic",
        name_ja="障害者支援情報センターHASIC",
        name_en="Disability Support Information Centre HASIC",
        type="information_centre",
        note_ja="世田谷区セーフティネット支援対策退院促進事業を実施。",
    ),
    Agency(
        code="komorebi",
        name_ja="社会福祉法人 こもれび会",
        name_en="Komorebi-kai Social Welfare Corporation",
        type="contracted_corporation",
        fictional=True,
        note_ja="居宅生活安定化支援事業の受託法人。各総合支所へメンタルケア支援員を派遣し、"
        "月1回支援員との相談の場を設けている。",
    ),
    Agency(
        code="hanamizuki_hospital",
        name_ja="医療法人社団 はなみずき会 はなみずき病院",
        name_en="Hanamizuki Hospital (psychiatric)",
        type="psychiatric_hospital",
        fictional=True,
        note_ja="烏山地域の精神科病院（架空）。烏山地域は精神科病院があるため対象者が多い。",
    ),
    Agency(
        code="soyokaze_consult",
        name_ja="相談支援事業所 そよかぜ",
        name_en="Soyokaze Consultation Support Office",
        type="consultation_office",
        fictional=True,
        note_ja="入院中からグループホーム探しなどの依頼を受ける相談支援事業所（架空）。",
    ),
    Agency(
        code="tsubame_gh",
        name_ja="NPO法人 つばめ グループホームつばめ荘",
        name_en="Tsubame-so Group Home (NPO Tsubame)",
        type="group_home",
        fictional=True,
        note_ja="玉川・烏山地域でグループホームを運営（架空）。",
    ),
    Agency(
        code="hinata_workshop",
        name_ja="作業所 ひなた工房",
        name_en="Hinata Kobo Workshop",
        type="workshop",
        fictional=True,
        note_ja="精神障害のある方が通う作業所（架空）。",
    ),
    Agency(
        code="tokyo_hogo",
        name_ja="東京都 福祉保健局 生活福祉部 保護課",
        name_en="Tokyo Metropolitan Government, Bureau of Social Welfare and Public Health, "
        "Livelihood Welfare Department, Public Assistance Section",
        type="metropolitan_government",
        note_ja="部会に参加し、区の自立支援プログラムについて発言。",
    ),
    Agency(
        code="tokyo_mhwc",
        name_ja="都立精神保健福祉センター",
        name_en="Tokyo Metropolitan Centre for Mental Health and Welfare",
        type="metropolitan_government",
        note_ja="ホステルは廃止と聞いている（部会での報告）。",
    ),
)

# --------------------------------------------------------------------------- programmes ----


@dataclass(frozen=True, slots=True, kw_only=True)
class Programme:
    """A support scheme (事業). Episodes of it are run by one of ``operating_agency_codes``."""

    code: str
    name_ja: str
    name_en: str
    scheme_ja: str
    scheme_en: str
    operating_agency_codes: tuple[str, ...]
    default_duration_months: int
    consent_required: bool
    requires_public_assistance: bool
    started_fiscal_year: int
    description_ja: str


_SEIKATSU_SHIEN: Final = tuple(f"{b.code}_seikatsu_shien" for b in BRANCHES)
_SELF_RELIANCE_JA: Final = "自立支援プログラム（生活保護）"
_SELF_RELIANCE_EN: Final = "Public-assistance self-reliance programme"

PROGRAMMES: Final[tuple[Programme, ...]] = (
    Programme(
        code="tokyo_discharge",
        name_ja="東京都精神障害者退院促進支援事業",
        name_en="Tokyo Discharge Promotion Support Programme for People with Psychiatric Disabilities",
        scheme_ja="東京都事業",
        scheme_en="Tokyo Metropolitan Government programme",
        operating_agency_codes=("kinuta_centre", "mota"),
        default_duration_months=12,
        consent_required=True,
        requires_public_assistance=False,
        # The scheme is Tokyo's; きぬた and MOTA were "in their third year" of the contract in FY2010.
        started_fiscal_year=2008,
        description_ja="長期入院中の方の退院と地域生活への移行を、退院促進コーディネーターと"
        "ピアサポーターが支援する。広域化をキーワードに受け入れ先の関係機関と連携する。",
    ),
    Programme(
        code="setagaya_safety_net",
        name_ja="世田谷区セーフティネット支援対策退院促進事業",
        name_en="Setagaya Safety-Net Discharge Promotion Programme",
        scheme_ja="世田谷区事業",
        scheme_en="Setagaya City programme",
        operating_agency_codes=("hasic",),
        default_duration_months=12,
        consent_required=True,
        requires_public_assistance=False,
        started_fiscal_year=2007,
        description_ja="障害者支援情報センターHASICが、退院に向けた地域との関係づくりや"
        "転入時の手続き・関係課へのつなぎを支援する。",
    ),
    Programme(
        code="employment",
        name_ja="就労支援",
        name_en="Employment Support",
        scheme_ja=_SELF_RELIANCE_JA,
        scheme_en=_SELF_RELIANCE_EN,
        operating_agency_codes=_SEIKATSU_SHIEN,
        default_duration_months=12,
        consent_required=True,
        requires_public_assistance=True,
        started_fiscal_year=2007,
        description_ja="生活保護受給者の就労に向けた支援。",
    ),
    Programme(
        code="self_reliance",
        name_ja="自立促進",
        name_en="Self-Reliance Promotion",
        scheme_ja=_SELF_RELIANCE_JA,
        scheme_en=_SELF_RELIANCE_EN,
        operating_agency_codes=_SEIKATSU_SHIEN,
        default_duration_months=12,
        consent_required=True,
        requires_public_assistance=True,
        started_fiscal_year=2007,
        description_ja="生活保護受給者の日常生活・社会生活の自立に向けた支援。",
    ),
    Programme(
        code="discharge_support",
        name_ja="退院促進支援",
        name_en="Discharge Promotion Support",
        scheme_ja=_SELF_RELIANCE_JA,
        scheme_en=_SELF_RELIANCE_EN,
        operating_agency_codes=_SEIKATSU_SHIEN,
        default_duration_months=12,
        consent_required=True,
        requires_public_assistance=True,
        started_fiscal_year=2007,
        description_ja="入院中の生活保護受給者の退院と地域生活への移行を支援する。",
    ),
    Programme(
        code="home_stabilisation",
        name_ja="居宅生活安定化支援事業",
        name_en="Home Living Stabilisation Support",
        scheme_ja=_SELF_RELIANCE_JA,
        scheme_en=_SELF_RELIANCE_EN,
        operating_agency_codes=("komorebi",),
        default_duration_months=12,
        consent_required=True,
        requires_public_assistance=True,
        started_fiscal_year=2007,
        description_ja="生活課題を抱える精神障害のある生活保護受給者の居宅生活の安定化を図る。"
        "本人の同意を得て支援会議で対象者を決定し、委託法人から派遣されるメンタルケア支援員が"
        "支援する。支援期間は原則1年以内（継続の判断もある）。対象者は各総合支所で10～15人ほど。",
    ),
)

# -------------------------------------------------------------------------------- users ----


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkPattern:
    """Days a week a worker spends at one branch office."""

    branch_code: str
    days_per_week: int


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """A fictional staff member. Password: ``DEMO_PASSWORD`` for everyone."""

    username: str
    display_name_ja: str
    display_name_kana: str
    title_ja: str
    role: Role
    agency_code: str
    branch_codes: tuple[str, ...] = ()
    work_pattern: tuple[WorkPattern, ...] = ()
    email: str = ""


def _user(
    username: str,
    name: str,
    kana: str,
    title: str,
    role: Role,
    agency: str,
    branches: tuple[str, ...] = (),
    pattern: tuple[tuple[str, int], ...] = (),
) -> User:
    return User(
        username=username,
        display_name_ja=name,
        display_name_kana=kana,
        title_ja=title,
        role=role,
        agency_code=agency,
        branch_codes=branches,
        work_pattern=tuple(WorkPattern(branch_code=b, days_per_week=d) for b, d in pattern),
        email=f"{username}@example.jp",
    )


USERS: Final[tuple[User, ...]] = (
    _user("admin", "青木 聡", "アオキ サトシ", "システム管理担当", "admin", "ward_disability_welfare"),
    _user(
        "sv.karasuyama",
        "藤井 直子",
        "フジイ ナオコ",
        "係長",
        "supervisor",
        "karasuyama_seikatsu_shien",
        ("karasuyama",),
    ),
    _user(
        "cw.karasuyama",
        "小川 健太",
        "オガワ ケンタ",
        "ケースワーカー",
        "caseworker",
        "karasuyama_seikatsu_shien",
        ("karasuyama",),
    ),
    _user(
        "cw.setagaya",
        "石井 美穂",
        "イシイ ミホ",
        "ケースワーカー",
        "caseworker",
        "setagaya_seikatsu_shien",
        ("setagaya",),
    ),
    # Works at Setagaya three days a week and at Kitazawa two, as in the newsletter.
    _user(
        "mcw.setagaya",
        "村上 千尋",
        "ムラカミ チヒロ",
        "メンタルケア支援員",
        "mental_care_worker",
        "komorebi",
        ("setagaya", "kitazawa"),
        (("setagaya", 3), ("kitazawa", 2)),
    ),
    _user(
        "mcw.tamagawa",
        "岡田 由紀",
        "オカダ ユキ",
        "メンタルケア支援員",
        "mental_care_worker",
        "komorebi",
        ("tamagawa",),
        (("tamagawa", 3),),
    ),
    # Karasuyama asks the corporation for a worker twice a week.
    _user(
        "mcw.karasuyama",
        "遠藤 亮",
        "エンドウ リョウ",
        "メンタルケア支援員",
        "mental_care_worker",
        "komorebi",
        ("karasuyama",),
        (("karasuyama", 2),),
    ),
    _user(
        "phn.karasuyama",
        "西村 陽子",
        "ニシムラ ヨウコ",
        "保健師",
        "public_health_nurse",
        "karasuyama_kenko_zukuri",
        ("karasuyama",),
    ),
    _user(
        "phn.tamagawa",
        "松田 彩",
        "マツダ アヤ",
        "保健師",
        "public_health_nurse",
        "tamagawa_kenko_zukuri",
        ("tamagawa",),
    ),
    _user("coord.mota", "太田 和也", "オオタ カズヤ", "退院促進コーディネーター", "coordinator", "mota"),
    _user(
        "coord.kinuta",
        "福田 恵",
        "フクダ メグミ",
        "退院促進コーディネーター",
        "coordinator",
        "kinuta_centre",
    ),
    _user("coord.hasic", "坂本 拓也", "サカモト タクヤ", "支援コーディネーター", "coordinator", "hasic"),
    _user("peer.kinuta", "三浦 誠", "ミウラ マコト", "ピアサポーター", "peer_supporter", "kinuta_centre"),
    _user(
        "partner.hospital",
        "近藤 裕子",
        "コンドウ ユウコ",
        "精神保健福祉士",
        "partner",
        "hanamizuki_hospital",
    ),
    _user("partner.consult", "長谷川 浩", "ハセガワ ヒロシ", "相談支援専門員", "partner", "soyokaze_consult"),
    _user("partner.gh", "山崎 幸子", "ヤマザキ サチコ", "世話人", "partner", "tsubame_gh"),
    _user("sec.council", "後藤 真理", "ゴトウ マリ", "部会事務局", "secretariat", "council_secretariat"),
    _user("analyst", "前田 隆", "マエダ タカシ", "統計担当", "analyst", "ward_disability_welfare"),
    _user("auditor", "藤原 純一", "フジワラ ジュンイチ", "監査担当", "auditor", "ward_disability_welfare"),
    # --- issue 18: households --- the teenager's team at Tamagawa: the branch's supervisor, who
    # builds care teams, and the child-and-family support worker (子ども家庭支援担当).
    _user("sv.tamagawa", "高木 恵子", "タカギ ケイコ", "係長", "supervisor", "tamagawa_seikatsu_shien", ("tamagawa",)),
    _user("cfs.tamagawa", "久保 明美", "クボ アケミ", "子ども家庭支援担当", "caseworker", "tamagawa_hoken_fukushi",
          ("tamagawa",)),
)

# ---------------------------------------------------------------------- machine clients ----


@dataclass(frozen=True, slots=True, kw_only=True)
class MachineClient:
    """A partner system or scripted pull using the client-credentials grant."""

    client_id: str
    name: str
    agency_code: str
    role: Literal["partner", "analyst"]
    # Local demo credential only: always demo_secret(client_id).
    secret: str


def _machine(client_id: str, name: str, agency: str, role: Literal["partner", "analyst"]) -> MachineClient:
    return MachineClient(client_id=client_id, name=name, agency_code=agency, role=role, secret=demo_secret(client_id))


MACHINE_CLIENTS: Final[tuple[MachineClient, ...]] = (
    _machine("hanamizuki-hospital", "はなみずき病院 地域連携システム", "hanamizuki_hospital", "partner"),
    _machine("soyokaze-consult", "相談支援事業所そよかぜ 業務システム", "soyokaze_consult", "partner"),
    _machine("tsubame-gh", "グループホームつばめ荘 入居管理システム", "tsubame_gh", "partner"),
    _machine("ward-dashboard", "世田谷区 地域移行ダッシュボード（集計取得）", "ward_disability_welfare", "analyst"),
)

# ---------------------------------------------------------------------------- diagnoses ----


@dataclass(frozen=True, slots=True, kw_only=True)
class DiagnosisGroup:
    code: str
    label_ja: str
    label_en: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DiagnosisCode:
    """A three-character ICD-10 category and the group statistics count it under."""

    code: str
    label_ja: str
    label_en: str
    group_code: str


DIAGNOSIS_GROUP_LABELS: Final[Mapping[str, DiagnosisGroup]] = MappingProxyType(
    {
        g.code: g
        for g in (
            DiagnosisGroup(code="schizophrenia", label_ja="統合失調症圏", label_en="Schizophrenia spectrum"),
            DiagnosisGroup(code="mood_depression", label_ja="うつ病圏", label_en="Depressive disorders"),
            DiagnosisGroup(code="mood_bipolar", label_ja="双極性障害", label_en="Bipolar disorder"),
            DiagnosisGroup(
                code="anxiety_stress",
                label_ja="不安・ストレス関連障害",
                label_en="Anxiety and stress-related disorders",
            ),
            DiagnosisGroup(code="personality", label_ja="パーソナリティ障害", label_en="Personality disorders"),
            DiagnosisGroup(code="substance", label_ja="物質使用による障害", label_en="Substance use disorders"),
            DiagnosisGroup(code="developmental", label_ja="発達障害", label_en="Developmental disorders"),
            DiagnosisGroup(code="intellectual", label_ja="知的障害", label_en="Intellectual disability"),
        )
    }
)
"""Diagnosis groups by group code."""

DIAGNOSIS_GROUPS: Final[Mapping[str, DiagnosisCode]] = MappingProxyType(
    {
        d.code: d
        for d in (
            DiagnosisCode(
                code="F10",
                label_ja="アルコール使用による精神及び行動の障害",
                label_en="Mental and behavioural disorders due to use of alcohol",
                group_code="substance",
            ),
            DiagnosisCode(code="F20", label_ja="統合失調症", label_en="Schizophrenia", group_code="schizophrenia"),
            DiagnosisCode(
                code="F25",
                label_ja="統合失調感情障害",
                label_en="Schizoaffective disorders",
                group_code="schizophrenia",
            ),
            DiagnosisCode(
                code="F31",
                label_ja="双極性感情障害〈躁うつ病〉",
                label_en="Bipolar affective disorder",
                group_code="mood_bipolar",
            ),
            DiagnosisCode(
                code="F32", label_ja="うつ病エピソード", label_en="Depressive episode", group_code="mood_depression"
            ),
            DiagnosisCode(
                code="F33",
                label_ja="反復性うつ病性障害",
                label_en="Recurrent depressive disorder",
                group_code="mood_depression",
            ),
            DiagnosisCode(
                code="F41", label_ja="その他の不安障害", label_en="Other anxiety disorders", group_code="anxiety_stress"
            ),
            DiagnosisCode(
                code="F43",
                label_ja="重度ストレスへの反応及び適応障害",
                label_en="Reaction to severe stress, and adjustment disorders",
                group_code="anxiety_stress",
            ),
            DiagnosisCode(
                code="F60",
                label_ja="特定のパーソナリティ障害",
                label_en="Specific personality disorders",
                group_code="personality",
            ),
            DiagnosisCode(
                code="F70",
                label_ja="軽度知的障害",
                label_en="Mild intellectual disability (ICD-10: mild mental retardation)",
                group_code="intellectual",
            ),
            DiagnosisCode(
                code="F84",
                label_ja="広汎性発達障害",
                label_en="Pervasive developmental disorders",
                group_code="developmental",
            ),
        )
    }
)
"""ICD-10 F-codes used in the demo, by code, each naming its group in ``DIAGNOSIS_GROUP_LABELS``."""

# ------------------------------------------------------------------------------ clients ----


@dataclass(frozen=True, slots=True, kw_only=True)
class Enrolment:
    """One support episode (支援) of a client in a programme.

    Dates by status: ``proposed`` has only ``proposed_on``; ``active`` and ``on_hold`` add
    ``consent_on``, ``decided_on`` (the support meeting, 支援会議), ``started_on`` and
    ``planned_end_on``; ``finished`` adds ``ended_on``, ``closure_reason`` and
    ``living_situation_ja``; ``cancelled`` has ``ended_on`` (the day it was cancelled) and no start.
    ``status_reason_ja`` is why it is on hold or was cancelled. ``extensions`` counts the
    one-year extensions decided so far (``planned_end_on`` already includes them).
    """

    programme_code: str
    agency_code: str
    status: EpisodeStatus
    proposed_on: date
    consent_on: date | None = None
    decided_on: date | None = None
    started_on: date | None = None
    planned_end_on: date | None = None
    extensions: int = 0
    ended_on: date | None = None
    closure_reason: ClosureReason | None = None
    living_situation_ja: str | None = None
    status_reason_ja: str | None = None
    readmitted: bool = False
    note_ja: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Client:
    """A fictional person supported (ご本人).

    ``ref`` is a stable demo key (``c01`` …) for loaders and tests, not an identifier of the API.
    ``care_team`` lists the usernames of the staff around the client; the first is the creator.
    ``emergency_contact_username`` is set when the emergency contact is a staff member.
    """

    ref: str
    name_kanji: str
    name_kana: str
    date_of_birth: date
    sex: Sex
    branch_code: str
    residence_type: ResidenceType
    receives_public_assistance: bool
    diagnoses: tuple[str, ...]
    phone: str | None
    years_inpatient: int
    years_homeless: int
    note_ja: str
    enrolments: tuple[Enrolment, ...]
    care_team: tuple[str, ...]
    emergency_contact_username: str | None = None


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, calendar.monthrange(year, month + 1)[1]))


def _planned_end(start: date, months: int) -> date:
    """Same rule as ``api.domain.episode_transitions.planned_end_for`` (民法143条)."""
    same_day = _add_months(start, months)
    return same_day if same_day.day != start.day else same_day - timedelta(days=1)


def _ep(
    programme: str,
    agency: str,
    status: EpisodeStatus,
    proposed: date,
    *,
    started: date | None = None,
    extensions: int = 0,
    ended: date | None = None,
    reason: ClosureReason | None = None,
    living: str | None = None,
    status_reason: str | None = None,
    readmitted: bool = False,
    note: str = "",
) -> Enrolment:
    """An episode whose consent and support-meeting decision precede its start by a few days."""
    decided = started - timedelta(days=3) if started is not None else None
    consent = started - timedelta(days=10) if started is not None else None
    planned = _planned_end(started, 12 * (1 + extensions)) if started is not None else None
    return Enrolment(
        programme_code=programme,
        agency_code=agency,
        status=status,
        proposed_on=proposed,
        consent_on=consent,
        decided_on=decided,
        started_on=started,
        planned_end_on=planned,
        extensions=extensions,
        ended_on=ended,
        closure_reason=reason,
        living_situation_ja=living,
        status_reason_ja=status_reason,
        readmitted=readmitted,
        note_ja=note,
    )


D = date  # short alias for the table below

CLIENTS: Final[tuple[Client, ...]] = (
    # ---- 烏山 (Karasuyama): the most clients, as the area has a psychiatric hospital ----
    Client(
        ref="c01",
        name_kanji="佐藤 雅之",
        name_kana="サトウ マサユキ",
        date_of_birth=D(1962, 5, 14),
        sex="male",
        branch_code="karasuyama",
        residence_type="psychiatric_ward",
        receives_public_assistance=True,
        diagnoses=("F20",),
        phone=None,
        years_inpatient=12,
        years_homeless=0,
        note_ja="はなみずき病院に12年入院。外出同行を重ね、退院後の住まいを相談中。",
        enrolments=(
            _ep("discharge_support", "karasuyama_seikatsu_shien", "active", D(2009, 9, 1), started=D(2009, 10, 1)),
        ),
        care_team=("cw.karasuyama", "phn.karasuyama", "sv.karasuyama"),
    ),
    Client(
        ref="c02",
        name_kanji="鈴木 久美子",
        name_kana="スズキ クミコ",
        date_of_birth=D(1968, 11, 2),
        sex="female",
        branch_code="karasuyama",
        residence_type="apartment",
        receives_public_assistance=True,
        diagnoses=("F20",),
        phone="03-0000-1102",
        years_inpatient=4,
        years_homeless=0,
        note_ja="単身アパート生活。服薬が途切れがちで、週1回の訪問で生活リズムを整えている。",
        enrolments=(_ep("home_stabilisation", "komorebi", "active", D(2009, 12, 10), started=D(2010, 1, 15)),),
        care_team=("cw.karasuyama", "mcw.karasuyama", "phn.karasuyama"),
    ),
    Client(
        ref="c03",
        name_kanji="高橋 修",
        name_kana="タカハシ オサム",
        date_of_birth=D(1958, 3, 20),
        sex="male",
        branch_code="karasuyama",
        residence_type="apartment",
        receives_public_assistance=True,
        diagnoses=("F20", "F10"),
        phone="03-0000-1103",
        years_inpatient=7,
        years_homeless=0,
        note_ja="飲酒の問題があったが、断酒会への参加が定着した。",
        enrolments=(
            _ep(
                "home_stabilisation",
                "komorebi",
                "finished",
                D(2008, 5, 1),
                started=D(2008, 6, 1),
                ended=D(2009, 5, 31),
                reason="goal_achieved",
                living="アパートで単身生活を継続。通院と断酒会に自分で通っている。",
            ),
        ),
        care_team=("cw.karasuyama", "mcw.karasuyama"),
    ),
    Client(
        ref="c04",
        name_kanji="田中 恵理",
        name_kana="タナカ エリ",
        date_of_birth=D(1975, 7, 8),
        sex="female",
        branch_code="karasuyama",
        residence_type="apartment",
        receives_public_assistance=True,
        diagnoses=("F33",),
        phone="090-0000-1104",
        years_inpatient=0,
        years_homeless=0,
        note_ja="うつ病で離職。体調が安定し、短時間の仕事から再就職をめざしている。",
        enrolments=(
            _ep(
                "home_stabilisation",
                "komorebi",
                "finished",
                D(2009, 1, 10),
                started=D(2009, 2, 1),
                ended=D(2009, 9, 30),
                reason="client_withdrew",
                living="アパートで単身生活。本人の希望により支援を終了（意思を尊重）。",
                note="支援開始時に、支援をやめたいという意思は尊重されると伝えていた。",
            ),
            _ep("employment", "karasuyama_seikatsu_shien", "active", D(2010, 3, 1), started=D(2010, 4, 1)),
        ),
        care_team=("cw.karasuyama",),
    ),
    Client(
        ref="c05",
        name_kanji="伊藤 勝",
        name_kana="イトウ マサル",
        date_of_birth=D(1965, 1, 30),
        sex="male",
        branch_code="karasuyama",
        residence_type="group_home",
        receives_public_assistance=True,
        diagnoses=("F25",),
        phone="03-0000-1105",
        years_inpatient=9,
        years_homeless=0,
        note_ja="グループホームつばめ荘（烏山）に入居。6月から体調を崩し短期入院中。",
        enrolments=(
            _ep(
                "home_stabilisation",
                "komorebi",
                "on_hold",
                D(2009, 10, 1),
                started=D(2009, 11, 1),
                status_reason="病状悪化のため6月から短期入院。退院後に再開予定。",
                readmitted=True,
            ),
        ),
        care_team=("cw.karasuyama", "mcw.karasuyama"),
    ),
    Client(
        ref="c06",
        name_kanji="渡辺 直樹",
        name_kana="ワタナベ ナオキ",
        date_of_birth=D(1971, 9, 12),
        sex="male",
        branch_code="karasuyama",
        residence_type="psychiatric_ward",
        receives_public_assistance=True,
        diagnoses=("F20", "F70"),
        phone=None,
        years_inpatient=6,
        years_homeless=0,
        note_ja="入院6年。病院から退院の見通しが示され、次回の支援会議で検討予定。",
        enrolments=(_ep("discharge_support", "karasuyama_seikatsu_shien", "proposed", D(2010, 7, 5)),),
        care_team=("sv.karasuyama", "cw.karasuyama"),
    ),
    Client(
        ref="c07",
        name_kanji="井上 孝",
        name_kana="イノウエ タカシ",
        date_of_birth=D(1961, 2, 23),
        sex="male",
        branch_code="karasuyama",
        residence_type="psychiatric_ward",
        receives_public_assistance=True,
        diagnoses=("F20",),
        phone=None,
        years_inpatient=8,
        years_homeless=0,
        note_ja="周囲から退院は難しいと言われていたが、外出や食事を共にするなかで退院の見通しが立ってきた。"
        "体験宿泊を予定。",
        enrolments=(_ep("tokyo_discharge", "mota", "active", D(2010, 1, 15), started=D(2010, 2, 1)),),
        care_team=("coord.mota", "peer.kinuta", "cw.karasuyama"),
    ),
    # ---- 世田谷 (Setagaya) ----
    Client(
        ref="c08",
        name_kanji="山田 陽子",
        name_kana="ヤマダ ヨウコ",
        date_of_birth=D(1973, 4, 25),
        sex="female",
        branch_code="setagaya",
        residence_type="apartment",
        receives_public_assistance=True,
        diagnoses=("F32",),
        phone="090-0000-1108",
        years_inpatient=0,
        years_homeless=0,
        note_ja="ひきこもりがち。訪問で話せることが増え、通院を再開した。",
        enrolments=(_ep("home_stabilisation", "komorebi", "active", D(2010, 1, 10), started=D(2010, 2, 1)),),
        care_team=("cw.setagaya", "mcw.setagaya"),
    ),
    Client(
        ref="c09",
        name_kanji="小林 健二",
        name_kana="コバヤシ ケンジ",
        date_of_birth=D(1960, 12, 3),
        sex="male",
        branch_code="setagaya",
        residence_type="apartment",
        receives_public_assistance=True,
        diagnoses=("F20",),
        phone="03-0000-1109",
        years_inpatient=3,
        years_homeless=0,
        note_ja="区外の親族の近くへ転居したため支援終了。",
        enrolments=(
            _ep(
                "home_stabilisation",
                "komorebi",
                "finished",
                D(2007, 9, 1),
                started=D(2007, 10, 1),
                ended=D(2008, 8, 31),
                reason="moved_away",
                living="区外の親族宅近くのアパートへ転居。転居先の福祉事務所へ引継ぎ。",
            ),
        ),
        care_team=("cw.setagaya", "mcw.setagaya"),
    ),
    Client(
        ref="c10",
        name_kanji="加藤 由美",
        name_kana="カトウ ユミ",
        date_of_birth=D(1979, 2, 17),
        sex="female",
        branch_code="setagaya",
        residence_type="family_home",
        receives_public_assistance=True,
        diagnoses=("F41",),
        phone="090-0000-1110",
        years_inpatient=0,
        years_homeless=0,
        note_ja="母親と同居。外出への不安が強いが、日中の居場所を探している。",
        enrolments=(
            _ep(
                "employment",
                "setagaya_seikatsu_shien",
                "finished",
                D(2008, 4, 15),
                started=D(2008, 5, 1),
                ended=D(2008, 12, 15),
                reason="hospitalised",
                living="不安発作が続き入院。退院後は母親と同居。",
            ),
            _ep("self_reliance", "setagaya_seikatsu_shien", "active", D(2010, 4, 10), started=D(2010, 5, 1)),
        ),
        care_team=("cw.setagaya",),
    ),
    Client(
        ref="c11",
        name_kanji="吉田 浩一",
        name_kana="ヨシダ コウイチ",
        date_of_birth=D(1956, 8, 9),
        sex="male",
        branch_code="setagaya",
        residence_type="psychiatric_ward",
        receives_public_assistance=True,
        diagnoses=("F20",),
        phone=None,
        years_inpatient=8,
        years_homeless=0,
        note_ja="退院に向けて地域の住民との関係をつくるため、都営住宅の草取りに継続して同行している。",
        enrolments=(_ep("setagaya_safety_net", "hasic", "active", D(2009, 12, 15), started=D(2010, 1, 10)),),
        care_team=("coord.hasic", "cw.setagaya"),
    ),
    # ---- 北沢 (Kitazawa) ----
    Client(
        ref="c12",
        name_kanji="山本 真一",
        name_kana="ヤマモト シンイチ",
        date_of_birth=D(1964, 6, 21),
        sex="male",
        branch_code="kitazawa",
        residence_type="apartment",
        receives_public_assistance=False,
        diagnoses=("F20",),
        phone="03-0000-1112",
        years_inpatient=2,
        years_homeless=0,
        note_ja="障害年金の受給と就労収入で生活保護が廃止となった。",
        enrolments=(
            _ep(
                "home_stabilisation",
                "komorebi",
                "finished",
                D(2008, 3, 1),
                started=D(2008, 4, 1),
                ended=D(2009, 1, 31),
                reason="assistance_ended",
                living="アパートで単身生活。生活保護廃止後も作業所に通所。",
            ),
        ),
        care_team=("mcw.setagaya",),
    ),
    Client(
        ref="c13",
        name_kanji="中村 明美",
        name_kana="ナカムラ アケミ",
        date_of_birth=D(1970, 10, 5),
        sex="female",
        branch_code="kitazawa",
        residence_type="apartment",
        receives_public_assistance=True,
        diagnoses=("F31",),
        phone="090-0000-1113",
        years_inpatient=1,
        years_homeless=0,
        note_ja="躁状態での浪費が課題。金銭管理を一緒に考えている。",
        enrolments=(_ep("home_stabilisation", "komorebi", "active", D(2009, 8, 1), started=D(2009, 9, 1)),),
        care_team=("mcw.setagaya",),
    ),
    Client(
        ref="c14",
        name_kanji="林 大輔",
        name_kana="ハヤシ ダイスケ",
        date_of_birth=D(1977, 3, 11),
        sex="male",
        branch_code="kitazawa",
        residence_type="apartment",
        receives_public_assistance=True,
        diagnoses=("F32",),
        phone="090-0000-1114",
        years_inpatient=1,
        years_homeless=0,
        note_ja="退院後のアパート探しを支援し、短期間で終了した。",
        enrolments=(
            _ep(
                "setagaya_safety_net",
                "hasic",
                "finished",
                D(2009, 5, 15),
                started=D(2009, 6, 1),
                ended=D(2009, 9, 30),
                reason="goal_achieved",
                living="アパートで単身生活を開始。",
            ),
        ),
        care_team=("coord.hasic",),
    ),
    Client(
        ref="c15",
        name_kanji="清水 和子",
        name_kana="シミズ カズコ",
        date_of_birth=D(1953, 12, 28),
        sex="female",
        branch_code="kitazawa",
        residence_type="apartment",
        receives_public_assistance=True,
        diagnoses=("F20",),
        phone="03-0000-1115",
        years_inpatient=5,
        years_homeless=0,
        note_ja="他区から転入。前住所のごみの処分を他区の清掃事務所とかけあい、転入手続きとあわせて"
        "生活支援課・保健福祉課・健康づくり課にあいさつに回った。",
        enrolments=(_ep("setagaya_safety_net", "hasic", "active", D(2010, 4, 1), started=D(2010, 4, 15)),),
        care_team=("coord.hasic", "mcw.setagaya"),
    ),
    # ---- 玉川 (Tamagawa) ----
    Client(
        ref="c16",
        name_kanji="森 さくら",
        name_kana="モリ サクラ",
        date_of_birth=D(1993, 9, 14),
        sex="female",
        branch_code="tamagawa",
        residence_type="group_home",
        receives_public_assistance=True,
        diagnoses=("F32",),
        phone="090-0000-1116",
        years_inpatient=0,
        years_homeless=0,
        note_ja="10代。統合失調症の母親と弟の3人世帯（ヘルパー、保健師、子ども家庭支援担当が関わる）。"
        "保健師の関わりを拒んでいたため支援員が担当。通院に同行し、本人の希望で入院。入院中から"
        "相談支援事業所とグループホームを探し、退院後に入居。作業所に通い始めたが、今は少し体調を崩している。"
        "「一人暮らしがしたい」「働きたい」と話す。",
        enrolments=(
            _ep("home_stabilisation", "komorebi", "active", D(2009, 4, 10), started=D(2009, 5, 1), extensions=1),
        ),
        care_team=("mcw.tamagawa",),
    ),
    Client(
        ref="c17",
        name_kanji="池田 和夫",
        name_kana="イケダ カズオ",
        date_of_birth=D(1967, 2, 8),
        sex="male",
        branch_code="tamagawa",
        residence_type="apartment",
        receives_public_assistance=True,
        diagnoses=("F20",),
        phone="03-0000-1117",
        years_inpatient=0,
        years_homeless=0,
        note_ja="自宅に閉じこもりがちで、しばらくは家庭訪問で関わった。アパートの取り壊しをきっかけに、"
        "一緒に美術館や図書館へ出かけ始めた。転居先を探している。本人の希望がはっきりするまで時間がかかり、"
        "支援は3年目。",
        enrolments=(
            _ep("home_stabilisation", "komorebi", "active", D(2008, 6, 1), started=D(2008, 7, 1), extensions=2),
        ),
        care_team=("mcw.tamagawa", "phn.tamagawa"),
    ),
    Client(
        ref="c18",
        name_kanji="橋本 美樹",
        name_kana="ハシモト ミキ",
        date_of_birth=D(1978, 5, 30),
        sex="female",
        branch_code="tamagawa",
        residence_type="other",
        receives_public_assistance=True,
        diagnoses=("F60", "F43"),
        phone="090-0000-1118",
        years_inpatient=0,
        years_homeless=0,
        note_ja="知人宅に身を寄せている。支援の提案に同意が得られず、提案を取り下げた。",
        enrolments=(
            _ep(
                "home_stabilisation",
                "komorebi",
                "cancelled",
                D(2010, 3, 1),
                ended=D(2010, 4, 20),
                status_reason="本人の同意が得られなかったため。",
            ),
        ),
        care_team=("mcw.tamagawa",),
    ),
    # ---- 砧 (Kinuta) ----
    Client(
        ref="c19",
        name_kanji="斎藤 茂",
        name_kana="サイトウ シゲル",
        date_of_birth=D(1957, 10, 19),
        sex="male",
        branch_code="kinuta",
        residence_type="apartment",
        receives_public_assistance=True,
        diagnoses=("F20",),
        phone=None,
        years_inpatient=5,
        years_homeless=0,
        note_ja="電話を持っていないため、アパート契約時は本人の連絡先・緊急連絡先ともにコーディネーターの"
        "連絡先を記入した。",
        enrolments=(
            _ep("tokyo_discharge", "kinuta_centre", "active", D(2009, 5, 15), started=D(2009, 6, 1), extensions=1),
        ),
        care_team=("coord.kinuta",),
        emergency_contact_username="coord.kinuta",
    ),
    Client(
        ref="c20",
        name_kanji="石川 勇",
        name_kana="イシカワ イサム",
        date_of_birth=D(1959, 4, 2),
        sex="male",
        branch_code="kinuta",
        residence_type="apartment",
        receives_public_assistance=True,
        diagnoses=("F20",),
        phone="090-0000-1120",
        years_inpatient=2,
        years_homeless=11,
        note_ja="10年以上のホームレス生活の後、入院を経てアパート生活を始めた。突然いなくならないか"
        "心配しながら、温もりが伝わる支援を続けている。",
        enrolments=(_ep("tokyo_discharge", "kinuta_centre", "active", D(2009, 10, 15), started=D(2009, 11, 1)),),
        care_team=("coord.kinuta", "peer.kinuta"),
    ),
    Client(
        ref="c21",
        name_kanji="藤田 幸子",
        name_kana="フジタ サチコ",
        date_of_birth=D(1963, 8, 16),
        sex="female",
        branch_code="kinuta",
        residence_type="apartment",
        receives_public_assistance=True,
        diagnoses=("F20",),
        phone="03-0000-1121",
        years_inpatient=10,
        years_homeless=0,
        note_ja="10年の入院生活の後に退院。ピアサポーターと関わるなかで笑顔が戻った。",
        enrolments=(
            _ep(
                "tokyo_discharge",
                "mota",
                "finished",
                D(2008, 8, 1),
                started=D(2008, 9, 1),
                ended=D(2009, 8, 31),
                reason="goal_achieved",
                living="アパートで単身生活。ピアサロンに通っている。",
            ),
        ),
        care_team=("coord.mota", "peer.kinuta"),
    ),
)

del D

# ------------------------------------------------------------------------------ council ----


@dataclass(frozen=True, slots=True, kw_only=True)
class Council:
    code: str
    name_ja: str
    name_en: str
    subcommittee_code: str
    subcommittee_name_ja: str
    subcommittee_name_en: str
    secretariat_agency_code: str
    default_venue_ja: str
    default_venue_en: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Presenter:
    """Who presents an item, by role label (the newsletter's speakers are not named here).

    ``username`` links the fictional demo user who plays that role, if there is one.
    """

    name_ja: str
    name_en: str
    title_ja: str | None
    agency_code: str
    username: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportedFigure:
    """A number reported in an agenda item. ``value_max`` is set for ranges (10–15 people)."""

    key: str
    label_ja: str
    label_en: str
    value: int
    value_max: int | None = None
    unit: Literal["persons", "percent", "days_per_week", "visits_per_day", "hours", "years"]
    approximate: bool = False
    branch_code: str | None = None
    since_fiscal_year: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AgendaItem:
    """An agenda item (議事). Only ``public`` items appear in a published meeting."""

    position: int
    kind: AgendaItemKind
    title_ja: str
    title_en: str
    presenters: tuple[Presenter, ...]
    planned_minutes: int
    public: bool
    summary_ja: str | None
    programme_code: str | None = None
    figures: tuple[ReportedFigure, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Meeting:
    """A subcommittee meeting (部会). Times are Asia/Tokyo (+09:00)."""

    code: str
    council_code: str
    fiscal_year: int
    number: int
    title_ja: str
    title_en: str
    starts_at: datetime
    ends_at: datetime
    timezone_name: str
    venue_ja: str
    venue_en: str
    room_ja: str | None
    room_en: str | None
    theme_ja: str | None
    subtitle_ja: str | None
    theme_en: str | None
    attendee_count: int | None
    status: MeetingStatus
    agenda: tuple[AgendaItem, ...]


COUNCIL: Final = Council(
    code="setagaya_jiritsu_shien_kyogikai",
    name_ja="世田谷区地域自立支援協議会",
    name_en="Setagaya Community Living Support Council",
    subcommittee_code="chiiki_ikou_bukai",
    subcommittee_name_ja="地域移行部会",
    subcommittee_name_en="Community Transition Subcommittee",
    secretariat_agency_code="council_secretariat",
    default_venue_ja="キャロットタワー（三軒茶屋）",
    default_venue_en="Carrot Tower (Sangen-jaya)",
)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=JST)


_JULY_AGENDA: Final[tuple[AgendaItem, ...]] = (
    AgendaItem(
        position=1,
        kind="progress_report",
        title_ja="東京都精神障害者退院促進支援事業の進捗状況",
        title_en="Progress report: Tokyo discharge promotion support programme",
        presenters=(
            Presenter(
                name_ja="サポートセンターきぬた 職員",
                name_en="Staff member, Support Centre Kinuta",
                title_ja="退院促進コーディネーター",
                agency_code="kinuta_centre",
                username="coord.kinuta",
            ),
            Presenter(
                name_ja="地域生活支援センターMOTA 職員",
                name_en="Staff member, Community Life Support Centre MOTA",
                title_ja="退院促進コーディネーター",
                agency_code="mota",
                username="coord.mota",
            ),
        ),
        planned_minutes=15,
        public=True,
        programme_code="tokyo_discharge",
        summary_ja=(
            "サポートセンターきぬたと地域生活支援センターMOTAが東京都の事業を受託して3年目となる。"
            "「広域化」をキーワードに、受け入れ先となる関係機関との連携に向けた働きかけを続けている。"
            "最近の支援から次のような報告があった。電話を持っていない方のアパート契約では、本人の連絡先も"
            "緊急連絡先もコーディネーターの連絡先を書かざるを得なかった。10年以上ホームレス生活だった方が"
            "退院後にアパート生活を始めており、突然いなくならないか気にかけながら、温もりが伝わる支援を"
            "心がけている。10年に及ぶ入院の後に退院した方の変化には驚かされた。ピアサポーターとの関わりで"
            "本人に笑顔が戻り、当事者の力の大きさを感じた。周囲から退院は難しいと言われていた方でも、"
            "一緒に外出や食事をするなかで退院できると確信できることがある。都立精神保健福祉センターの"
            "ホステルは廃止と聞いているが、退院促進支援には体験宿泊の場が必要である。"
        ),
        figures=(
            ReportedFigure(
                key="contract_year",
                label_ja="きぬた・MOTAの受託年数（平成22年度時点）",
                label_en="Year of the contract held by Kinuta and MOTA (in FY2010)",
                value=3,
                unit="years",
            ),
        ),
    ),
    AgendaItem(
        position=2,
        kind="progress_report",
        title_ja="世田谷区セーフティネット支援対策退院促進事業の進捗状況",
        title_en="Progress report: Setagaya safety-net discharge promotion programme",
        presenters=(
            Presenter(
                name_ja="障害者支援情報センターHASIC 職員",
                name_en="Staff member, HASIC",
                title_ja="支援コーディネーター",
                agency_code="hasic",
                username="coord.hasic",
            ),
        ),
        planned_minutes=10,
        public=True,
        programme_code="setagaya_safety_net",
        summary_ja=(
            "最近関わった方について報告があった。退院に向けて地域の住民との関係をつくるため、都営住宅の"
            "草取りに継続して同行している方。ごみの処分について他区の清掃事務所にかけあった方。支援が"
            "途切れずに続くよう、転入手続きとあわせて生活支援課・保健福祉課・健康づくり課にあいさつに"
            "回った方。"
        ),
    ),
    AgendaItem(
        position=3,
        kind="presentation",
        title_ja="居宅生活安定化支援事業とは",
        title_en="What is the home living stabilisation support programme?",
        presenters=(
            Presenter(
                name_ja="烏山総合支所生活支援課 係長",
                name_en="Section chief, Karasuyama Branch Office, Livelihood Support Division",
                title_ja="係長",
                agency_code="karasuyama_seikatsu_shien",
                username="sv.karasuyama",
            ),
        ),
        planned_minutes=20,
        public=True,
        programme_code="home_stabilisation",
        summary_ja=(
            "生活保護制度はもともと金銭の給付が中心だったが、日常生活や社会生活の自立に向けた支援も重要と"
            "され、国の施策として自立支援プログラムが始まった。内容は各自治体に任されており、世田谷区では"
            "「就労支援」「自立促進」「退院促進支援」「居宅生活安定化支援」を実施している。居宅生活安定化"
            "支援は、生活課題を抱える精神障害のある生活保護受給者の居宅生活の安定化を目的とする。対象は"
            "地域での生活に何らかの課題を抱え、本人の同意が得られる方で、支援会議で決定する。対象者は"
            "各総合支所で10～15人ほどで、精神科病院のある烏山地域は多い。専門的な支援ができる法人に委託し、"
            "法人からメンタルケア支援員を派遣してもらっている（烏山総合支所では週2回）。"
        ),
        figures=(
            ReportedFigure(
                key="clients_per_branch",
                label_ja="各総合支所の対象者数",
                label_en="Clients per branch office",
                value=10,
                value_max=15,
                unit="persons",
                approximate=True,
            ),
            ReportedFigure(
                key="worker_days_karasuyama",
                label_ja="烏山総合支所へのメンタルケア支援員の派遣",
                label_en="Mental-care support worker days at Karasuyama",
                value=2,
                unit="days_per_week",
                branch_code="karasuyama",
            ),
        ),
    ),
    # The newsletter prints the Setagaya/Kitazawa figures and the three "challenges" in the
    # section of the worker who serves those two branches (三つの課題 are told from a mental-care
    # support worker's standpoint), so they belong to this item, not to HASIC's report.
    AgendaItem(
        position=4,
        kind="presentation",
        title_ja="メンタルケア支援員の立場から（世田谷・北沢）",
        title_en="From a mental-care support worker's standpoint (Setagaya and Kitazawa)",
        presenters=(
            Presenter(
                name_ja="メンタルケア支援員（世田谷総合支所 週3日・北沢総合支所 週2日）",
                name_en="Mental-care support worker (Setagaya 3 days, Kitazawa 2 days a week)",
                title_ja="メンタルケア支援員",
                agency_code="komorebi",
                username="mcw.setagaya",
            ),
        ),
        planned_minutes=20,
        public=True,
        programme_code="home_stabilisation",
        summary_ja=(
            "平成19年度の事業開始から現在までの支援対象者は世田谷20名、北沢24名。30～50代が多く、"
            "診断名は統合失調症やうつ病が多いが、最近はうつ病の方が増えている。支援期間が1年以内の方は"
            "約半数で、アパート探しなどであれば短期間で終わることが多い。課題は三つ。一つ目はケースワーカー"
            "との関係づくりで、チラシなどでPRしても利用が広がらず、業務量の増えているケースワーカーには"
            "かえって負担になっているのかもしれない。専門的な助言を求められる一方、日常的な相談は少ない。"
            "二つ目は保健師との連携で、役割の重なりは大きいが、メンタルケア支援員は一定期間集中して手厚く"
            "関わることができる。三つ目は立場の難しさで、認知度が低く他部署に立場を理解してもらうまでに"
            "時間がかかる。各総合支所に1人しかいないため1対1の支援には限界があり、本人が困っていない場合は"
            "目標の設定や着地点を見定めるのが難しい。"
        ),
        figures=(
            ReportedFigure(
                key="supported_since_fy2007",
                label_ja="事業開始からの支援対象者数（世田谷）",
                label_en="People supported since the programme began (Setagaya)",
                value=20,
                unit="persons",
                branch_code="setagaya",
                since_fiscal_year=2007,
            ),
            ReportedFigure(
                key="supported_since_fy2007",
                label_ja="事業開始からの支援対象者数（北沢）",
                label_en="People supported since the programme began (Kitazawa)",
                value=24,
                unit="persons",
                branch_code="kitazawa",
                since_fiscal_year=2007,
            ),
            ReportedFigure(
                key="share_within_one_year",
                label_ja="支援期間が1年以内の方の割合",
                label_en="Share supported for one year or less",
                value=50,
                unit="percent",
                approximate=True,
            ),
        ),
    ),
    AgendaItem(
        position=5,
        kind="presentation",
        title_ja="メンタルケア支援員の立場から（玉川）",
        title_en="From a mental-care support worker's standpoint (Tamagawa)",
        presenters=(
            Presenter(
                name_ja="メンタルケア支援員（玉川総合支所 週3日）",
                name_en="Mental-care support worker (Tamagawa, 3 days a week)",
                title_ja="メンタルケア支援員",
                agency_code="komorebi",
                username="mcw.tamagawa",
            ),
        ),
        planned_minutes=20,
        public=True,
        programme_code="home_stabilisation",
        summary_ja=(
            "平成19年度の事業開始から現在までの支援対象者は26名。30～40代が多く、この年代には特に自立して"
            "ほしいというケースワーカーの願いの表れかもしれない。診断名は統合失調症とうつが多い。支援期間は"
            "原則1年以内だが、継続が必要と判断され3年目になる方もおり、どう終えるかが課題である。"
            "事例として、統合失調症の母親と弟と暮らす10代のうつ病の方は、保健師の関わりを拒んでいたため"
            "メンタルケア支援員が関わり、滞っていた通院に同行した。本人の希望で入院し、入院中から相談支援"
            "事業所とグループホームを探して退院後に入居、作業所にも通い始めた。40代で統合失調症、閉じこもり"
            "がちの方とは家庭訪問で関わっていたが、自宅アパートの取り壊しをきっかけに美術館や図書館へ一緒に"
            "出かけるようになった。本人の希望がはっきりするまで時間がかかり、支援期間が長くなった。"
        ),
        figures=(
            ReportedFigure(
                key="supported_since_fy2007",
                label_ja="事業開始からの支援対象者数（玉川）",
                label_en="People supported since the programme began (Tamagawa)",
                value=26,
                unit="persons",
                branch_code="tamagawa",
                since_fiscal_year=2007,
            ),
            ReportedFigure(
                key="worker_days_tamagawa",
                label_ja="玉川総合支所でのメンタルケア支援員の勤務",
                label_en="Mental-care support worker days at Tamagawa",
                value=3,
                unit="days_per_week",
                branch_code="tamagawa",
            ),
        ),
    ),
    AgendaItem(
        position=6,
        kind="discussion",
        title_ja="フロアとの意見交換",
        title_en="Floor discussion",
        presenters=(),
        planned_minutes=25,
        public=True,
        summary_ja=(
            "支援の終了・継続は支援会議で決めている。目標が達成されれば終了となるが、円満な終了は多くなく、"
            "転居や生活保護の廃止で支援が終わることもある。支援開始時には、支援をやめてほしいという本人の"
            "意思は尊重されると伝えている。ケースワーカーは金銭給付の業務量が多く、精神障害のある方への対応が"
            "初めての人も多いため、日常生活・社会生活の支援はメンタルケア支援員に道筋をつけてもらっている。"
            "自立に向けた視点はケースワーカーと同じだが、支援員は手厚い関わりが必要な人に集中して関われる。"
            "本人の希望に沿って美術館や図書館に一緒に出かけることは支援員ならではとの声がフロアからあった。"
            "訪問は1回約1時間、移動を含め1日5件が上限と考えると、対象者がもう少し増えても対応できる。"
            "勤務日以外に電話相談を受けることもある。委託法人は月1回支援員と話す場を設けており、ケース"
            "ワーカーとの支援方針の共有が難しいと聞いている。東京都保護課からは、プログラムごとに支援員を"
            "配置した丁寧な対応との評価と、支援員が訪問や面接に同席することがケースワーカーの安心につながる"
            "という他区市の声が紹介された。最後に、潜在的な対象者への支援、ひきこもりの方がまず行ける場所が"
            "少ないこと、何をもって支援終了とするかが今後の課題として挙げられた。まとめとして、在宅支援の"
            "事業が細かく分かれ、ヘルパー、ケースワーカー、保健師、看護師がそれぞれ単独で関わっている現状が"
            "あり、チームを組んで互いの役割を活かすことが本人への還元につながることを確認した。"
        ),
        figures=(
            ReportedFigure(
                key="visit_length",
                label_ja="訪問1回あたりの時間",
                label_en="Length of one home visit",
                value=1,
                unit="hours",
                approximate=True,
            ),
            ReportedFigure(
                key="max_visits_per_day",
                label_ja="1日の訪問件数の上限（移動時間を含む）",
                label_en="Most visits a day, travel included",
                value=5,
                unit="visits_per_day",
            ),
        ),
    ),
    AgendaItem(
        position=7,
        kind="discussion",
        title_ja="個別ケース検討（非公開）",
        title_en="Individual case consultation (closed)",
        presenters=(
            Presenter(
                name_ja="烏山総合支所生活支援課 ケースワーカー",
                name_en="Caseworker, Karasuyama Branch Office, Livelihood Support Division",
                title_ja="ケースワーカー",
                agency_code="karasuyama_seikatsu_shien",
                username="cw.karasuyama",
            ),
        ),
        planned_minutes=5,
        public=False,
        summary_ja=(
            "【非公開】烏山地域の長期入院者1名について、退院後の住まいと体験宿泊の利用を検討した。"
            "グループホームの空き状況を相談支援事業所が確認する。"
        ),
        programme_code="discharge_support",
    ),
    AgendaItem(
        position=8,
        kind="announcement",
        title_ja="今後の開催予定と「開催のお知らせ」の送付について",
        title_en="Next meetings and meeting notices",
        presenters=(
            Presenter(
                name_ja="地域移行部会事務局",
                name_en="Subcommittee secretariat",
                title_ja=None,
                agency_code="council_secretariat",
                username="sec.council",
            ),
        ),
        planned_minutes=5,
        public=True,
        summary_ja=(
            "次回以降は11月17日（水）ワークショップB、1月26日（水）セミナールームAB、3月16日（水）"
            "セミナールームAで、いずれも午後2時からキャロットタワー（三軒茶屋）で開催する。関係機関には"
            "各回とも開催前に「開催のお知らせ」を送付しており、送付を希望する場合は事務局へ連絡する。"
        ),
    ),
)


def _planned(number: int, day: date, room_ja: str, room_en: str) -> Meeting:
    return Meeting(
        code=f"fy2010-{number:02d}",
        council_code=COUNCIL.code,
        fiscal_year=2010,
        number=number,
        title_ja=f"平成22年度 第{number}回 地域移行部会",
        title_en=f"FY2010 Community Transition Subcommittee, meeting {number}",
        starts_at=_at(day, 14),
        # The newsletter gives only the start; two hours, like the July meeting, is assumed.
        ends_at=_at(day, 16),
        timezone_name="Asia/Tokyo",
        venue_ja=COUNCIL.default_venue_ja,
        venue_en=COUNCIL.default_venue_en,
        room_ja=room_ja,
        room_en=room_en,
        theme_ja=None,
        subtitle_ja=None,
        theme_en=None,
        attendee_count=None,
        status="scheduled",
        agenda=(),
    )


MEETINGS: Final[tuple[Meeting, ...]] = (
    Meeting(
        code="fy2010-02",
        council_code=COUNCIL.code,
        fiscal_year=2010,
        number=2,
        title_ja="平成22年度 第2回 地域移行部会",
        title_en="FY2010 Community Transition Subcommittee, meeting 2",
        starts_at=_at(date(2010, 7, 21), 14),
        ends_at=_at(date(2010, 7, 21), 16),
        timezone_name="Asia/Tokyo",
        venue_ja=COUNCIL.default_venue_ja,
        venue_en=COUNCIL.default_venue_en,
        room_ja=None,
        room_en=None,
        theme_ja="地域定着に向けた社会資源を考える",
        subtitle_ja="～居宅生活安定化支援事業の実際～",
        theme_en="Thinking about social resources for settling in the community: "
        "the home living stabilisation support programme in practice",
        attendee_count=48,
        status="minutes_published",
        agenda=_JULY_AGENDA,
    ),
    _planned(3, date(2010, 11, 17), "ワークショップB", "Workshop B"),
    _planned(4, date(2011, 1, 26), "セミナールームAB", "Seminar Room AB"),
    _planned(5, date(2011, 3, 16), "セミナールームA", "Seminar Room A"),
)

# --------------------------------------------------------------------- social resources ----


@dataclass(frozen=True, slots=True, kw_only=True)
class SocialResource:
    """A place or service clients can use (社会資源), with its capacity and vacancies.

    ``capacity_maximum`` is None when not known; ``capacity_available`` is the free places now.
    """

    code: str
    name_ja: str
    name_kana: str
    name_en: str
    category: ResourceCategory
    agency_code: str
    branch_code: str
    address_ja: str
    capacity_unit: CapacityUnit
    capacity_maximum: int | None
    capacity_available: int
    waitlist: int
    status: ResourceStatus = "open"
    note_ja: str = ""


SOCIAL_RESOURCES: Final[tuple[SocialResource, ...]] = (
    SocialResource(
        code="gh_tsubame_tamagawa",
        name_ja="グループホーム つばめ荘 玉川",
        name_kana="グループホーム ツバメソウ タマガワ",
        name_en="Tsubame-so Group Home, Tamagawa",
        category="group_home",
        agency_code="tsubame_gh",
        branch_code="tamagawa",
        address_ja="東京都世田谷区玉川台9丁目1-1（架空）",
        capacity_unit="persons",
        capacity_maximum=6,
        capacity_available=1,
        waitlist=0,
        note_ja="相談支援事業所を通じて入院中からの入居相談を受け付けている。",
    ),
    SocialResource(
        code="gh_tsubame_karasuyama",
        name_ja="グループホーム つばめ荘 烏山",
        name_kana="グループホーム ツバメソウ カラスヤマ",
        name_en="Tsubame-so Group Home, Karasuyama",
        category="group_home",
        agency_code="tsubame_gh",
        branch_code="karasuyama",
        address_ja="東京都世田谷区南烏山9丁目2-3（架空）",
        capacity_unit="persons",
        capacity_maximum=7,
        capacity_available=2,
        waitlist=1,
    ),
    SocialResource(
        code="hinata_kobo",
        name_ja="作業所 ひなた工房",
        name_kana="サギョウショ ヒナタ コウボウ",
        name_en="Hinata Kobo Workshop",
        category="employment_support",
        agency_code="hinata_workshop",
        branch_code="tamagawa",
        address_ja="東京都世田谷区等々力9丁目4-5（架空）",
        capacity_unit="places_per_day",
        capacity_maximum=20,
        capacity_available=4,
        waitlist=0,
        note_ja="軽作業と昼食づくり。体調に合わせて週1日からの通所も可能。",
    ),
    SocialResource(
        code="kinuta_trial_stay",
        name_ja="サポートセンターきぬた 体験宿泊室",
        name_kana="サポートセンター キヌタ タイケン シュクハクシツ",
        name_en="Support Centre Kinuta, trial-stay room",
        category="trial_stay",
        agency_code="kinuta_centre",
        branch_code="kinuta",
        address_ja="東京都世田谷区砧9丁目6-7（架空）",
        capacity_unit="rooms",
        capacity_maximum=1,
        capacity_available=1,
        waitlist=2,
        note_ja="退院前の体験宿泊（数泊）に利用。ホステル廃止後の受け皿として需要が高い。",
    ),
    SocialResource(
        code="mota_free_space",
        name_ja="地域生活支援センターMOTA フリースペース",
        name_kana="チイキ セイカツ シエン センター モタ フリースペース",
        name_en="MOTA free space (drop-in)",
        category="day_activity",
        agency_code="mota",
        branch_code="setagaya",
        address_ja="東京都世田谷区太子堂9丁目8-9（架空）",
        capacity_unit="places_per_day",
        capacity_maximum=15,
        capacity_available=6,
        waitlist=0,
        note_ja="予約なしで立ち寄れる日中の居場所。",
    ),
    SocialResource(
        code="yorimichi_salon",
        name_ja="居場所サロン よりみち",
        name_kana="イバショ サロン ヨリミチ",
        name_en="Yorimichi drop-in salon",
        category="day_activity",
        agency_code="komorebi",
        branch_code="karasuyama",
        address_ja="東京都世田谷区北烏山10丁目1-2（架空）",
        capacity_unit="places_per_day",
        capacity_maximum=8,
        capacity_available=5,
        waitlist=0,
        note_ja="閉じこもりがちだった方がまず一歩目として行ける場所。就労を目的としない。",
    ),
    SocialResource(
        code="kinuta_peer_salon",
        name_ja="ピアサロン きぬた",
        name_kana="ピア サロン キヌタ",
        name_en="Kinuta peer salon",
        category="peer_support",
        agency_code="kinuta_centre",
        branch_code="kinuta",
        address_ja="東京都世田谷区砧9丁目6-7（架空）",
        capacity_unit="places_per_day",
        capacity_maximum=12,
        capacity_available=7,
        waitlist=0,
        note_ja="ピアサポーターが運営に加わる交流の場。",
    ),
    SocialResource(
        code="soyokaze_consult",
        name_ja="相談支援事業所 そよかぜ",
        name_kana="ソウダン シエン ジギョウショ ソヨカゼ",
        name_en="Soyokaze Consultation Support Office",
        category="consultation_support",
        agency_code="soyokaze_consult",
        branch_code="karasuyama",
        address_ja="東京都世田谷区給田9丁目3-4（架空）",
        capacity_unit="cases",
        capacity_maximum=40,
        capacity_available=3,
        waitlist=0,
        note_ja="入院中からのグループホーム探し、地域生活の相談。",
    ),
    SocialResource(
        code="komorebi_helper",
        name_ja="ヘルパーステーション こもれび",
        name_kana="ヘルパー ステーション コモレビ",
        name_en="Komorebi home-help station",
        category="home_help",
        agency_code="komorebi",
        branch_code="setagaya",
        address_ja="東京都世田谷区若林9丁目5-6（架空）",
        capacity_unit="persons",
        capacity_maximum=30,
        capacity_available=2,
        waitlist=1,
    ),
    SocialResource(
        code="hanamizuki_outpatient",
        name_ja="はなみずき病院 外来・デイケア",
        name_kana="ハナミズキ ビョウイン ガイライ デイケア",
        name_en="Hanamizuki Hospital outpatient clinic and day care",
        category="outpatient_clinic",
        agency_code="hanamizuki_hospital",
        branch_code="karasuyama",
        address_ja="東京都世田谷区上祖師谷9丁目7-8（架空）",
        capacity_unit="places_per_day",
        capacity_maximum=50,
        capacity_available=10,
        waitlist=0,
    ),
    SocialResource(
        code="tokyo_mhwc_hostel",
        name_ja="都立精神保健福祉センター ホステル",
        name_kana="トリツ セイシン ホケン フクシ センター ホステル",
        name_en="Tokyo Metropolitan Centre for Mental Health and Welfare, hostel",
        category="residential",
        agency_code="tokyo_mhwc",
        branch_code="karasuyama",
        address_ja="東京都世田谷区上北沢9丁目9-9（架空）",
        capacity_unit="beds",
        capacity_maximum=None,
        capacity_available=0,
        waitlist=0,
        status="closing",
        note_ja="廃止と聞いている（7月の部会での報告）。新規の受け入れなし。体験宿泊の代わりの場が必要。",
    ),
)


# ------------------------------------------- issue 18: households, refusals, service use and risk ----
# 「ご本人（10代うつ病）は、統合失調症の母親と弟の3人暮らしです。この世帯には、ヘルパーや保健師、子ども
# 家庭支援担当者などが関わっていますが、ご本人は保健師の関わりを拒否していたため、メンタル支援員が関わる
# ことになりました。…作業所も利用しはじめましたが、今は少し体調を崩しています。」 and 「10年以上ホームレス
# 生活だった方が…突然いなくなってしまわないかと心配しています。」 The mother has a client record of her
# own, which the public health nurse follows; the teenager's worker does not see it.

HOUSEHOLD_CLIENTS: Final[tuple[Client, ...]] = (
    Client(
        ref="c16_mother",
        name_kanji="森 直美",
        name_kana="モリ ナオミ",
        date_of_birth=date(1966, 6, 2),
        sex="female",
        branch_code="tamagawa",
        residence_type="family_home",
        receives_public_assistance=True,
        diagnoses=("F20",),
        phone="03-0000-1161",
        years_inpatient=0,
        years_homeless=0,
        note_ja="統合失調症。子ども2人と3人暮らし。保健師が訪問し、ヘルパーが家事を支援している。",
        enrolments=(),
        care_team=("phn.tamagawa",),
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class HouseholdMember:
    client_ref: str
    name: str
    relationship: str
    lives_in_household: bool
    note_ja: str
    own_record: str | None = None  # the ref of the person's own client record


@dataclass(frozen=True, slots=True, kw_only=True)
class RefusalSeed:
    client_ref: str
    team_role: str
    refused_on: date
    source: str
    recorded_by: str
    note_ja: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceUseSeed:
    client_ref: str
    kind: str
    resource_code: str  # a SOCIAL_RESOURCES code: the directory listing
    started_on: date
    days_per_week: int | None
    recorded_by: str
    note_ja: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskFlagSeed:
    client_ref: str
    code: str
    raised_on: date
    review_on: date
    raised_by: str
    note_ja: str


HOUSEHOLD_MEMBERS: Final[tuple[HouseholdMember, ...]] = (
    HouseholdMember(client_ref="c16", name="森 直美", relationship="mother", lives_in_household=True,
                    note_ja="統合失調症。保健師が関わっている。", own_record="c16_mother"),
    HouseholdMember(client_ref="c16", name="森 大輝", relationship="sibling", lives_in_household=True,
                    note_ja="弟。子ども家庭支援担当が関わっている。"),
)
# (client ref, username, team role): care-team members beyond the clients' own lists.
HOUSEHOLD_CARE_TEAM: Final[tuple[tuple[str, str, str], ...]] = (
    ("c16", "cfs.tamagawa", "child_family_support"),
)
REFUSALS: Final[tuple[RefusalSeed, ...]] = (
    RefusalSeed(client_ref="c16", team_role="public_health_nurse", refused_on=date(2009, 4, 10), source="client",
                recorded_by="mcw.tamagawa",
                note_ja="保健師の関わりを拒否していたため、メンタルケア支援員が関わることになった。"),
)
SERVICE_USES: Final[tuple[ServiceUseSeed, ...]] = (
    ServiceUseSeed(client_ref="c16", kind="group_home", resource_code="gh_tsubame_tamagawa",
                   started_on=date(2010, 2, 1), days_per_week=None, recorded_by="mcw.tamagawa",
                   note_ja="入院中から相談支援事業所と探し、退院後に入居。"),
    ServiceUseSeed(client_ref="c16", kind="workshop", resource_code="hinata_kobo", started_on=date(2010, 5, 10),
                   days_per_week=2, recorded_by="mcw.tamagawa",
                   note_ja="作業所に通い始めたが、今は少し体調を崩している。"),
)
RISK_FLAGS: Final[tuple[RiskFlagSeed, ...]] = (
    RiskFlagSeed(client_ref="c20", code="sudden_departure", raised_on=date(2009, 11, 1), review_on=date(2010, 7, 31),
                 raised_by="coord.kinuta",
                 note_ja="10年以上のホームレス生活の後にアパート生活を始めた。突然いなくならないか心配。"),
    RiskFlagSeed(client_ref="c16", code="relapse_signs", raised_on=date(2010, 7, 1), review_on=date(2010, 8, 31),
                 raised_by="mcw.tamagawa", note_ja="作業所に通い始めたが、少し体調を崩している。"),
)
# --- issue 18: support plans (item 7) ---
# 「委託法人は…ケースワーカーとの支援方針の共有が難しいと聞いている」 (July 2010 floor discussion): the
# mental-care worker writes down the plan for 鈴木 久美子 (c02) and publishes it to her care team; the
# public health nurse has read it, her caseworker (busy with payments) not yet.
@dataclass(frozen=True, slots=True)
class SupportPlanVersion:
    episode: str  # "<client ref>:<programme code>"
    published_by: str
    published_at: datetime
    policy_ja: str
    goals_ja: tuple[str, ...]
    assignments: tuple[tuple[str | None, str, str], ...]  # (username or None, team role, task)
    acknowledged_by: tuple[str, ...]


SUPPORT_PLANS: Final[tuple[SupportPlanVersion, ...]] = (
    SupportPlanVersion(
        episode="c02:home_stabilisation",
        published_by="mcw.karasuyama",
        published_at=datetime(2010, 7, 5, 17, 0, tzinfo=JST),
        policy_ja="単身アパート生活の継続を支える。服薬が途切れがちなため、訪問で生活リズムと服薬の状況を確かめ、"
                  "ケースワーカーとは月1回、支援の方向を確認し合う。本人が支援をやめたいと言えば、その意思を尊重する。",
        goals_ja=("毎日決まった時間に服薬する", "週1回、自分で買い物に行く"),
        assignments=(
            ("mcw.karasuyama", "mental_care_worker", "週1回の訪問で服薬と生活リズムを確認する"),
            ("cw.karasuyama", "caseworker", "生活保護の手続きと月1回の方針確認"),
            ("phn.karasuyama", "public_health_nurse", "通院状況の確認と主治医との連絡"),
        ),
        acknowledged_by=("mcw.karasuyama", "phn.karasuyama"),
    ),
)
# --- issue 18: schedules ---
# Which weekdays (ISO: 1 = Monday) each worker with a work_pattern is at each branch office, from the
# start of FY2010: 中野さん (mcw.setagaya) at 世田谷 three days and 北沢 two, 為我井さん (mcw.tamagawa)
# three days at 玉川, and 烏山's worker twice a week; five visits a day at most (「1日5件が限度」).
SCHEDULE_FROM: Final = date(2010, 4, 1)
WEEKDAYS: Final[Mapping[str, Mapping[str, tuple[int, ...]]]] = MappingProxyType({
    "mcw.setagaya": {"setagaya": (1, 3, 5), "kitazawa": (2, 4)},
    "mcw.tamagawa": {"tamagawa": (1, 2, 4)},
    "mcw.karasuyama": {"karasuyama": (2, 5)},
})
# Summer leave (夏季休暇), so the demo week views show a day taken out.
LEAVE: Final[Mapping[str, tuple[tuple[date, date, str], ...]]] = MappingProxyType({
    "mcw.tamagawa": ((date(2010, 8, 16), date(2010, 8, 17), "夏季休暇"),),
})


# --- issue 18: consultations without a client record, and intakes ---
# 「精神保健福祉の専門的な視点で助言してほしい」と言われていましたが、日常で相談を受けることはあまりありません:
# the caseworkers asked for professional advice, yet a whole fiscal year holds two requests.


@dataclass(frozen=True, slots=True, kw_only=True)
class AdviceRequestRecord:
    key: str
    asker: str  # username
    specialist: str
    client_ref: str | None
    subject: str
    question: str
    client_summary: str | None
    asked_at: datetime
    answer: str | None
    answered_at: datetime | None


ADVICE_REQUESTS: Final[tuple[AdviceRequestRecord, ...]] = (
    AdviceRequestRecord(
        key="a01", asker="cw.setagaya", specialist="mcw.setagaya", client_ref="c08",
        subject="服薬を嫌がるときの声かけ",
        question="ケースワーカーは専門職ではないので、精神保健福祉の専門的な視点で助言してほしい。"
                 "訪問時に服薬の話をすると表情が硬くなります。どう声をかければよいでしょうか。",
        client_summary="30代女性、単身。アパート生活5か月目。服薬の話題で緊張する。",
        asked_at=datetime(2010, 6, 10, 10, 0, tzinfo=JST),
        answer="服薬そのものより、眠れているか・食事がとれているかから話を始めてみてください。次回の訪問に同席します。",
        answered_at=datetime(2010, 6, 11, 16, 0, tzinfo=JST)),
    AdviceRequestRecord(
        key="a02", asker="cw.karasuyama", specialist="phn.karasuyama", client_ref=None,
        subject="ひきこもりの方への最初の関わり方",
        question="家族から相談のあった、ひきこもりの方への最初の訪問はどのように進めればよいでしょうか。",
        client_summary=None,
        asked_at=datetime(2010, 10, 5, 9, 30, tzinfo=JST),
        answer="まず家族との面接を重ね、本人には手紙で訪問を予告してから伺うのがよいと思います。",
        answered_at=datetime(2010, 10, 5, 15, 0, tzinfo=JST)),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffActivityRecord:
    performer: str  # username
    kind: str
    occurred_at: datetime
    duration_minutes: int
    off_hours: bool
    counterpart: str | None
    note: str | None


def _monthly_supporter_support() -> tuple[StaffActivityRecord, ...]:
    """「月１回、メンタルケア支援員と話す場を設け、悩み相談を受けています」(委託事業所より): the
    corporation's monthly talk with each of its mental-care workers, FY2010."""
    out = []
    for month in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3):
        year = 2010 if month >= 4 else 2011
        for username in ("mcw.setagaya", "mcw.tamagawa", "mcw.karasuyama"):
            out.append(StaffActivityRecord(
                performer=username, kind="supporter_support",
                occurred_at=datetime(year, month, 20, 17, 0, tzinfo=JST), duration_minutes=60, off_hours=False,
                counterpart="委託事業所（こもれび）",
                note="月1回の悩み相談。ケースワーカーとの支援方針の共有が話題に。"))
    return tuple(out)


# 「勤務日以外でも電話相談などを受けることがあると聞いています」(フロアより).
STAFF_ACTIVITIES: Final[tuple[StaffActivityRecord, ...]] = (
    *_monthly_supporter_support(),
    StaffActivityRecord(performer="mcw.tamagawa", kind="phone_consultation",
                        occurred_at=datetime(2010, 8, 14, 11, 0, tzinfo=JST), duration_minutes=20, off_hours=True,
                        counterpart="担当の方から（土曜日）", note="勤務日以外の電話。翌週の訪問を約束。"),
    StaffActivityRecord(performer="mcw.tamagawa", kind="phone_consultation",
                        occurred_at=datetime(2010, 11, 3, 19, 30, tzinfo=JST), duration_minutes=30, off_hours=True,
                        counterpart="担当の方から（祝日）", note="不安の訴え。傾聴。"),
    StaffActivityRecord(performer="mcw.setagaya", kind="phone_consultation",
                        occurred_at=datetime(2011, 1, 8, 10, 0, tzinfo=JST), duration_minutes=15, off_hours=True,
                        counterpart="ケースワーカーから（北沢の勤務日以外）", note="訪問予定の調整。"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class IntakeRecord:
    """「潜在化している対象者への支援は今後の課題です」(白木係長より): enquiries about people not yet in support."""

    key: str
    agency_code: str
    branch_code: str | None
    received_by: str
    received_at: datetime
    name: str | None
    kana: str | None
    description: str | None
    birth_date: date | None
    birth_date_approximate: bool
    age_estimate: int | None
    sex: str | None
    referrer_type: str
    referrer_name: str | None
    urgency: str
    consent_state: str
    triage_outcome: str
    triage_note: str | None
    status: str
    client_ref: str | None = None  # converted: the client registered from it
    converted_at: datetime | None = None


INTAKES: Final[tuple[IntakeRecord, ...]] = (
    # 渡辺 直樹 (c06): the hospital asked about an inpatient whose birth date its referral did not give;
    # registered three weeks later, before the support meeting of 5 July.
    IntakeRecord(key="i01", agency_code="karasuyama_seikatsu_shien", branch_code="karasuyama",
                 received_by="sv.karasuyama", received_at=datetime(2010, 6, 14, 10, 0, tzinfo=JST),
                 name="渡辺 直樹", kana="ワタナベ ナオキ",
                 description="はなみずき病院に長期入院中の男性。退院の意向あり。",
                 birth_date=None, birth_date_approximate=False, age_estimate=38, sex="male",
                 referrer_type="hospital", referrer_name="はなみずき病院 精神保健福祉士", urgency="soon",
                 consent_state="verbal", triage_outcome="accept", triage_note="退院支援の対象として検討。",
                 status="converted", client_ref="c06", converted_at=datetime(2010, 7, 2, 15, 0, tzinfo=JST)),
    IntakeRecord(key="i02", agency_code="karasuyama_seikatsu_shien", branch_code="karasuyama",
                 received_by="cw.karasuyama", received_at=datetime(2010, 9, 28, 14, 0, tzinfo=JST),
                 name=None, kana=None,
                 description="母親から。30代の息子が10年近く自宅にひきこもっている。本人は相談を知らない。",
                 birth_date=None, birth_date_approximate=False, age_estimate=35, sex="male",
                 referrer_type="family", referrer_name="母親", urgency="routine", consent_state="not_possible",
                 triage_outcome="outreach", triage_note="家族面接を重ね、保健師と訪問を検討。", status="open"),
    IntakeRecord(key="i03", agency_code="setagaya_seikatsu_shien", branch_code="setagaya",
                 received_by="cw.setagaya", received_at=datetime(2010, 12, 6, 11, 0, tzinfo=JST),
                 name=None, kana=None, description="駅前の公園で寝泊まりしている高齢の男性。生年月日不明。",
                 birth_date=None, birth_date_approximate=False, age_estimate=70, sex="male",
                 referrer_type="welfare_commissioner", referrer_name="民生委員", urgency="urgent",
                 consent_state="not_asked", triage_outcome="refer_elsewhere",
                 triage_note="路上生活者の巡回相談につないだ。", status="closed"),
)


# --- issue 18: what the council reports (item 9) ---
# The reports count everyone the home-stabilisation programme supported since it began in FY2007:
# 世田谷 20 and 北沢 24 (the Setagaya/Kitazawa worker's report), 玉川 26 (the Tamagawa worker's).
# CLIENTS above hold only the people of the stories; the others are fictional past clients whose
# support ended before FY2010, so the API's cumulative figures are counted from records, like
# every other statistic. How many each branch gets follows from the reported figures and CLIENTS.


@dataclass(frozen=True, slots=True, kw_only=True)
class PastClient:
    """A fictional person whose home-stabilisation support began and ended between FY2007 and FY2009."""

    ref: str
    name_kanji: str
    name_kana: str
    date_of_birth: date
    sex: Sex
    branch_code: str
    diagnoses: tuple[str, ...]
    worker_username: str
    enrolment: Enrolment


_PAST_SURNAMES: Final = (("青山", "アオヤマ"), ("石田", "イシダ"), ("上野", "ウエノ"), ("大野", "オオノ"),
                         ("片山", "カタヤマ"), ("菊地", "キクチ"), ("工藤", "クドウ"), ("小島", "コジマ"),
                         ("桜井", "サクライ"), ("杉本", "スギモト"), ("千葉", "チバ"), ("平野", "ヒラノ"),
                         ("宮本", "ミヤモト"))
_PAST_GIVEN: Final[tuple[tuple[tuple[str, str], Sex], ...]] = (
                      (("誠", "マコト"), "male"), (("恵子", "ケイコ"), "female"), (("隆", "タカシ"), "male"),
                      (("裕子", "ユウコ"), "female"), (("博", "ヒロシ"), "male"), (("明子", "アキコ"), "female"),
                      (("聡", "サトシ"), "male"), (("由美", "ユミ"), "female"), (("進", "ススム"), "male"))
_PAST_REASONS: Final[tuple[ClosureReason, ...]] = ("goal_achieved", "goal_achieved", "moved_away",
                                                   "assistance_ended", "client_withdrew", "hospitalised")
_PAST_LIVING: Final[Mapping[str, str]] = MappingProxyType({
    "goal_achieved": "アパートで単身生活を継続。通院と服薬が自分でできている。",
    "moved_away": "区外へ転居。転居先の福祉事務所へ引継ぎ。",
    "assistance_ended": "就労収入により生活保護が廃止となった。",
    "client_withdrew": "本人の希望により支援を終了（意思を尊重）。",
    "hospitalised": "病状悪化により入院。退院後は改めて支援会議で検討する。",
})
_PAST_WORKER: Final = MappingProxyType({"setagaya": "mcw.setagaya", "kitazawa": "mcw.setagaya",
                                        "tamagawa": "mcw.tamagawa"})


def supported_since_fy2007(branch_code: str) -> int:
    """The newsletter's cumulative figure for a branch (the ReportedFigure of the July minutes)."""
    return next(f.value for m in MEETINGS for i in m.agenda for f in i.figures
                if f.key == "supported_since_fy2007" and f.branch_code == branch_code)


def _persons_in_stories(branch_code: str) -> int:
    return sum(1 for c in CLIENTS if c.branch_code == branch_code and any(
        e.programme_code == "home_stabilisation" and e.started_on is not None for e in c.enrolments))


def _past_clients() -> tuple[PastClient, ...]:
    out: list[PastClient] = []
    for branch_code, worker in _PAST_WORKER.items():
        for i in range(supported_since_fy2007(branch_code) - _persons_in_stories(branch_code)):
            n = len(out)
            (surname, surname_kana), ((given, given_kana), sex) = (_PAST_SURNAMES[n % len(_PAST_SURNAMES)],
                                                                   _PAST_GIVEN[(n * 4 + i) % len(_PAST_GIVEN)])
            short = i % 2 == 0  # about half are supported for a year or less (the reports)
            started = date(2007, 5, 1) + timedelta(days=(29 * i) % (540 if not short else 880))
            ended = started + timedelta(days=180 if short else 540) - timedelta(days=1)
            reason = _PAST_REASONS[n % len(_PAST_REASONS)]
            # 30s to 50s mostly (Tamagawa: 30s and 40s); mostly schizophrenia, depression growing later.
            born = date((1962 if branch_code == "tamagawa" else 1952) + (n * 5) % 17, 1 + n % 12, 1 + n % 27)
            diagnosis = "F32" if started.year >= 2008 and n % 3 == 0 else "F20"
            proposed = started - timedelta(days=30)
            out.append(PastClient(
                ref=f"p{n + 1:02d}", name_kanji=f"{surname} {given}", name_kana=f"{surname_kana} {given_kana}",
                date_of_birth=born, sex=sex, branch_code=branch_code, diagnoses=(diagnosis,), worker_username=worker,
                enrolment=_ep("home_stabilisation", "komorebi", "finished", proposed, started=started,
                              ended=ended, reason=reason, living=_PAST_LIVING[reason]),
            ))
    return tuple(out)


PAST_CLIENTS: Final[tuple[PastClient, ...]] = _past_clients()


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgrammeContract:
    """A corporation running a programme under contract (受託) from the start of a fiscal year."""

    programme_code: str
    agency_code: str
    starts_on: date
    note_ja: str


def _contracts() -> tuple[ProgrammeContract, ...]:
    # きぬた and MOTA were "in the third year of the contract" in FY2010 (the Tokyo programme's start,
    # FY2008); the corporation has run the home-stabilisation programme since it began (FY2007).
    notes = {"tokyo_discharge": "東京都精神障害者退院促進支援事業を受託。",
             "home_stabilisation": "居宅生活安定化支援事業の受託法人。メンタルケア支援員を各総合支所へ派遣。"}
    return tuple(ProgrammeContract(programme_code=p.code, agency_code=a,
                                   starts_on=date(p.started_fiscal_year, 4, 1), note_ja=notes[p.code])
                 for p in PROGRAMMES if p.code in notes for a in p.operating_agency_codes)


PROGRAMME_CONTRACTS: Final[tuple[ProgrammeContract, ...]] = _contracts()


@dataclass(frozen=True, slots=True, kw_only=True)
class Said:
    """One entry of the July minutes' floor discussion or closing remarks (speakers by role only).

    ``answers`` is the position of the question an answer answers; ``agenda_position`` the agenda
    item it was said under (the closed item keeps its entry out of the published minutes)."""

    position: int
    kind: Literal["question", "answer", "comment", "closing_remark"]
    label_ja: str
    affiliation_ja: str
    text_ja: str
    agency_code: str | None = None
    from_floor: bool = False
    answers: int | None = None
    agenda_position: int | None = 6


_SV: Final = ("烏山総合支所生活支援課 係長", "烏山総合支所生活支援課", "karasuyama_seikatsu_shien")
_MCW_SK: Final = ("メンタルケア支援員（世田谷・北沢）", "委託事業所（メンタルケア支援員）", "komorebi")
_MCW_TM: Final = ("メンタルケア支援員（玉川）", "委託事業所（メンタルケア支援員）", "komorebi")
_CORP: Final = ("受託法人 職員", "委託事業所", "komorebi")
_HOGO: Final = ("東京都生活福祉部保護課 職員", "東京都保護課", "tokyo_hogo")


def _said(position: int, kind: Literal["question", "answer", "comment", "closing_remark"],
          who: tuple[str, str, str] | None, text: str, *, answers: int | None = None,
          agenda_position: int | None = 6) -> Said:
    label, affiliation, agency = who if who else ("フロア参加者", "フロア", None)
    return Said(position=position, kind=kind, label_ja=label, affiliation_ja=affiliation, agency_code=agency,
                from_floor=who is None, text_ja=text, answers=answers, agenda_position=agenda_position)


JULY_DISCUSSION: Final[tuple[Said, ...]] = (
    _said(1, "question", None, "「支援終了」や「支援継続」の判断はどのようにしていますか。"),
    _said(2, "answer", _MCW_SK, "支援会議で決めている。目標が達成されれば終了だが円満な終了は多くなく、転居や"
          "生活保護の廃止で終わることもある。", answers=1),
    _said(3, "answer", _MCW_TM, "支援開始時に、支援をやめたいという本人の意思は尊重されると伝えている。"
          "終了の理由がなく継続になることも多い。", answers=1),
    _said(4, "question", None, "ケースワーカーとメンタルケア支援員はどのように役割分担していますか。"),
    _said(5, "answer", _SV, "精神障害のある方への対応が初めてのケースワーカーも多い。金銭給付の業務量が多く、"
          "日常生活・社会生活の支援はメンタルケア支援員に道筋をつけてもらっている。", answers=4),
    _said(6, "answer", _MCW_TM, "自立に向けた視点はケースワーカーと同じだが、手厚い関わりが必要な人に集中して"
          "関われる。", answers=4),
    _said(7, "answer", None, "本人の希望に沿って美術館や図書館に一緒に出かけることは支援員でないとできない。",
          answers=4),
    _said(8, "question", None, "相談が増えても対応できる状況ですか。それとも目一杯ですか。"),
    _said(9, "answer", _MCW_TM, "訪問1回約1時間、移動を含め1日5件が上限と考えると、もう少し対象者が増えても"
          "対応できる。", answers=8),
    _said(10, "answer", None, "潜在的に支援が必要な人は多いが稼働量には限界がある。勤務日以外に電話相談を"
          "受けることもあると聞いている。", answers=8),
    _said(11, "question", None, "送り出す立場として、委託事業所側の課題は何ですか。"),
    _said(12, "answer", _CORP, "月1回支援員と話す場を設けている。ケースワーカーとの支援方針の共有が難しいと"
          "聞いている。地域の社会資源の把握は強みなので、うまく分担したい。", answers=11),
    _said(13, "comment", _HOGO, "世田谷区はプログラムごとに支援員を配置し丁寧に対応している。支援員が訪問や面接に"
          "同席することがケースワーカーの安心につながるという声を他区市からよく聞く。"),
    _said(14, "comment", _SV, "【非公開】長期入院者1名の退院後の住まいについて、グループホームの空きを確認する。",
          agenda_position=7),
    _said(15, "closing_remark", _SV, "支援員はケースワーカーのメンタルケアまで含めて支えてくれている。潜在化している"
          "対象者への支援は今後の課題。", agenda_position=None),
    _said(16, "closing_remark", _MCW_TM, "ひきこもりの方がまず行ける場所が少ない。何をもって支援終了とするかも課題。",
          agenda_position=None),
    _said(17, "closing_remark", _MCW_SK, "初年度は孤独だったが、顔を知ってもらえるようになってきた。連携して支援して"
          "いきたい。", agenda_position=None),
)
"""The July meeting's floor discussion (フロアとの意見交換) and closing remarks (最後に一言ずつ)."""

# 「区内外から48名」: the newsletter gives only the total and that people came from inside and
# outside the ward; this split (fictional) adds up to it.
JULY_ATTENDANCE: Final[tuple[tuple[bool, str, int], ...]] = (
    (True, "ward_branch", 4), (True, "ward_division", 12), (True, "support_centre", 6),
    (True, "information_centre", 2), (True, "contracted_corporation", 4), (True, "consultation_office", 3),
    (True, "group_home", 3), (True, "workshop", 2), (True, "council_secretariat", 2), (True, "individual", 3),
    (False, "psychiatric_hospital", 4), (False, "metropolitan_government", 2), (False, "individual", 1),
)
