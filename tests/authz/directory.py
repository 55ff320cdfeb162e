"""The staff directory: staff roles that build care teams, send referrals or plan meetings read it;
partners (other organisations), the analyst and the auditor do not. No record scope: the
out-of-scope call is a search nobody matches, still an answer."""

from __future__ import annotations

from tests.authz import RouteCase, expect, fixed

STAFF = ("supervisor", "caseworker", "mental_care_worker", "public_health_nurse", "coordinator", "peer_supporter",
         "admin")


CASES = [
    RouteCase("GET", "/v1/directory/agencies", fixed("/v1/directory/agencies", params={"q": "支所"}),
              expect(403, anonymous=401, secretariat=200, **dict.fromkeys(STAFF, 200))),
    RouteCase("GET", "/v1/directory/users", fixed("/v1/directory/users", params={"q": "たなか"}),
              expect(403, anonymous=401, **dict.fromkeys(STAFF, 200))),
]
