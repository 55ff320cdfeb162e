"""Issue 18 items 4-6: which refusals stand in the way, and the code lists the schemas repeat."""

from __future__ import annotations

import uuid
from datetime import date

from api.domain.refusals import Refusal, blocking_agency, blocking_member

NURSE = Refusal(id=uuid.uuid4(), team_role="public_health_nurse", agency_id=None, refused_on=date(2009, 4, 10),
                ended_on=None)
AGENCY = uuid.uuid4()
AN_AGENCY = Refusal(id=uuid.uuid4(), team_role=None, agency_id=AGENCY, refused_on=date(2010, 1, 1),
                    ended_on=date(2010, 6, 1))


def test_a_refused_profession_blocks_by_team_role_or_user_role() -> None:
    day = date(2010, 7, 21)
    assert blocking_member([NURSE], day, {"other", "public_health_nurse"}, uuid.uuid4()) == [NURSE]
    assert blocking_member([NURSE], day, {"mental_care_worker"}, uuid.uuid4()) == []
    assert blocking_member([NURSE], date(2009, 4, 9), {"public_health_nurse"}, uuid.uuid4()) == []


def test_an_agency_refusal_holds_until_the_day_it_ended() -> None:
    assert blocking_agency([AN_AGENCY], date(2010, 5, 31), AGENCY) == [AN_AGENCY]
    assert blocking_agency([AN_AGENCY], date(2010, 6, 1), AGENCY) == []
    assert blocking_member([AN_AGENCY], date(2010, 5, 31), {"caseworker"}, AGENCY) == [AN_AGENCY]
    assert blocking_agency([AN_AGENCY], date(2010, 5, 31), uuid.uuid4()) == []

