"""The change feed's vocabulary (GET /v1/changes): the kinds of record it reports, and why an item is
there. The feed's sources (api/services/changes.py FEED) are exactly these kinds (a test keeps them so)."""

from __future__ import annotations

FEED_RESOURCE_TYPES = (
    "client", "episode", "goal", "activity", "consent", "care_team_member",
    "referral", "support_plan", "meeting",
    # case notes (the professions on the care team only)
    "related_person", "client_refusal", "service_use", "risk_flag",
    # enquiries and advice requests (their own scopes)
    "intake", "advice_request",
)
CHANGE_REASONS = ("created", "updated", "deactivated", "out_of_scope")
