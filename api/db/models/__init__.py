"""Every table, imported here so Alembic and the drift test see the whole metadata."""

from api.db.models.audit import AuditCheckpoint, AuditEvent, AuditLeaf, AuditSubtree
from api.db.models.base import Base
from api.db.models.changes import ChangeLog, WorkerDayLoad
from api.db.models.clients import CareTeamMember, Client, Consent, Programme
from api.db.models.consultations import AdviceRequest, StaffActivity
from api.db.models.episode_alerts import EpisodeAlertSent  # issue 18
from api.db.models.episodes import Activity, Decision, Episode, EpisodeStatusChange, Goal
from api.db.models.households import RelatedPerson, RelatedPersonLink
from api.db.models.identity import (
    Agency,
    ApiClient,
    Branch,
    RefreshToken,
    RevokedAccessToken,
    RevokedSession,
    UserAccount,
)
from api.db.models.imports import ImportJob
from api.db.models.infra import IdempotencyRecord, RateCounter
from api.db.models.intakes import Intake
from api.db.models.lifecycle import CorrectionRequest, EmergencyAccess
from api.db.models.meeting_discussion import (  # issue 18 (item 9)
    CapturedStatistic,
    MeetingAttendanceGroup,
    MinutesEntry,
)
from api.db.models.meetings import (
    AgendaItem,
    Council,
    Meeting,
    MeetingAgency,
    NoticeDelivery,
    NoticeSubscription,
    Subcommittee,
)
from api.db.models.oauth import AuthorizationCode, OAuthClient, RecoveryCode, TotpEnrolment
from api.db.models.programme_contracts import ProgrammeContract  # issue 18: what the council reports (item 9)
from api.db.models.referrals import Referral, ReferralMessage, ReferralStatusChange, ThirdPartyProvision
from api.db.models.refusals import ClientRefusal
from api.db.models.resources import CapacityHistory, Location, Service, ServiceAtLocation, ServiceCapacity
from api.db.models.schedules import WorkLeave, WorkPattern  # issue 18
from api.db.models.service_use import RiskFlag, ServiceUse
from api.db.models.stats_snapshot import StatsSnapshot
from api.db.models.support_plans import SupportPlan, SupportPlanAcknowledgement  # issue 18: support plans
from api.db.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription

__all__ = [
    "Activity",
    "AdviceRequest",
    "Agency",
    "AgendaItem",
    "ApiClient",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditLeaf",
    "AuditSubtree",
    "AuthorizationCode",
    "Base",
    "Branch",
    "CapacityHistory",
    "CapturedStatistic",  # issue 18: what the council reports (item 9)
    "CareTeamMember",
    "ChangeLog",
    "Client",
    "ClientRefusal",
    "Consent",
    "CorrectionRequest",
    "Council",
    "Decision",
    "EmergencyAccess",
    "Episode",
    "EpisodeAlertSent",
    "EpisodeStatusChange",
    "Goal",
    "IdempotencyRecord",
    "ImportJob",
    "Intake",
    "Location",
    "Meeting",
    "MeetingAgency",
    "MeetingAttendanceGroup",  # issue 18: what the council reports (item 9)
    "MinutesEntry",  # issue 18: what the council reports (item 9)
    "NoticeDelivery",
    "NoticeSubscription",
    "OAuthClient",
    "Programme",
    "ProgrammeContract",  # issue 18: what the council reports (item 9)
    "RateCounter",
    "RecoveryCode",
    "Referral",
    "ReferralMessage",
    "ReferralStatusChange",
    "RefreshToken",
    "RelatedPerson",
    "RelatedPersonLink",
    "RevokedAccessToken",
    "RevokedSession",
    "RiskFlag",
    "Service",
    "ServiceAtLocation",
    "ServiceCapacity",
    "ServiceUse",
    "StaffActivity",
    "StatsSnapshot",
    "Subcommittee",
    "SupportPlan",  # issue 18: support plans
    "SupportPlanAcknowledgement",
    "ThirdPartyProvision",
    "TotpEnrolment",
    "UserAccount",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "WorkLeave",
    "WorkPattern",
    "WorkerDayLoad",
]
