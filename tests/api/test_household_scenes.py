"""The newsletter's scenes of issue 18 items 4-6, replayed against the demo world:

- 「ご本人（10代うつ病）は、統合失調症の母親と弟の3人暮らしです。この世帯には、ヘルパーや保健師、子ども
  家庭支援担当者などが関わっています」: the teenager's household, the child-and-family support worker on
  the care team, and the mother's own client record shown only to who sees it;
- 「ご本人は保健師の関わりを拒否していた」: adding a public health nurse to the team is a 409 naming the
  refusal; with a reason it goes ahead and the audit row carries the reason;
- 「作業所も利用しはじめました」: the workshop, a listing of the resource directory;
- 「突然いなくなってしまわないかと心配しています」: the long-homeless client's flag is due for review,
  for the coordinator and never for the peer supporter on the same team."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
from alembic import command
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.cli import alembic_config
from api.config import Settings
from api.db.engine import create_database, drop_database
from api.db.models import AuditEvent
from api.demo.load import seed_all
from api.demo.seed_resources import service_id
from api.main import create_app


async def test_the_newsletters_household_refusal_workshop_and_risk_scenes(server_url: str, tmp_path: Path) -> None:
    name = f"iko_h18c_{uuid.uuid4().hex[:8]}"
    url = await create_database(server_url, name)
    app = None
    try:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
        app = create_app(Settings(database_url=url, data_dir=tmp_path, run_background_workers=False,
                                  log_level="WARNING", stats_snapshot_seconds=0))
        sessions = async_sessionmaker(app.state.engine, expire_on_commit=False)
        async with sessions() as session:
            refs = await seed_all(session)
            await session.commit()

        def auth(username: str) -> dict[str, str]:
            token = app.state.tokens.issue_access_token(refs.users[username], "user")[0]  # type: ignore[union-attr]
            return {"Authorization": f"Bearer {token}"}

        teen = refs.extra["clients"]["c16"]
        mother = refs.extra["clients"]["c16_mother"]
        homeless = refs.extra["clients"]["c20"]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            # -- the household: mother (schizophrenia) and younger brother; the worker does not see the
            #    mother's own record, the branch supervisor does.
            household = (await http.get(f"/v1/clients/{teen}/related-persons", headers=auth("mcw.tamagawa"))).json()
            assert {(p["relationship"], p["lives_in_household"]) for p in household} == {("mother", True),
                                                                                          ("sibling", True)}
            assert all(p["linked_client_id"] is None for p in household)
            assert "統合失調症" in next(p["note"] for p in household if p["relationship"] == "mother")
            by_sv = (await http.get(f"/v1/clients/{teen}/related-persons", headers=auth("sv.tamagawa"))).json()
            assert next(p for p in by_sv if p["relationship"] == "mother")["linked_client_id"] == str(mother)
            team = (await http.get(f"/v1/clients/{teen}/care-team", headers=auth("sv.tamagawa"))).json()
            assert {"mental_care_worker", "child_family_support"} <= {m["team_role"] for m in team}
            labels = (await http.get("/v1/reference/team-roles", headers=auth("sv.tamagawa"))).json()
            assert {"code": "child_family_support", "ja": "子ども家庭支援担当"}.items() <= next(
                i for i in labels["items"] if i["code"] == "child_family_support").items()

            # -- the refusal of the public health nurse.
            refusals = (await http.get(f"/v1/clients/{teen}/refusals", headers=auth("mcw.tamagawa"))).json()
            assert [(r["team_role"], r["source"], r["active"]) for r in refusals] == [
                ("public_health_nurse", "client", True)]
            nurse = {"user_id": str(refs.users["phn.tamagawa"]), "team_role": "public_health_nurse"}
            refused = await http.post(f"/v1/clients/{teen}/care-team", json=nurse,
                                      headers={**auth("sv.tamagawa"), "Accept-Language": "ja"})
            assert refused.status_code == 409, refused.text
            assert "保健師の関わりを拒否" in refused.json()["detail"]
            assert refused.json()["refusals"][0]["id"] == refusals[0]["id"]
            reason = "母親の訪問に合わせて本人も同席を了承したため"
            added = await http.post(f"/v1/clients/{teen}/care-team", headers=auth("sv.tamagawa"),
                                    json={**nurse, "refusal_override_reason": reason})
            assert added.status_code == 201, added.text
            async with sessions() as session:
                row = await session.scalar(select(AuditEvent).where(
                    AuditEvent.action == "create", AuditEvent.resource_type == "care_team",
                    AuditEvent.resource_id == added.json()["id"]))
            assert row is not None
            assert row.client_id == teen
            assert row.detail is not None
            assert row.detail["refusal_override"]["reason"] == reason

            # -- the workshop and the group home, listings of the directory.
            uses = (await http.get(f"/v1/clients/{teen}/service-uses", headers=auth("mcw.tamagawa"))).json()
            workshop = next(u for u in uses if u["kind"] == "workshop")
            assert workshop["service_id"] == str(service_id("hinata_kobo"))
            assert workshop["provider_agency_id"] == str(refs.agencies["hinata_workshop"])
            assert workshop["current"] is True
            assert next(u for u in uses if u["kind"] == "group_home")["service_id"] == str(
                service_id("gh_tsubame_tamagawa"))

            # -- may suddenly leave: due for review at the end of July 2010, for the coordinator only.
            due = await http.get("/v1/risk-flags/due", params={"on": "2010-08-01"}, headers=auth("coord.kinuta"))
            assert [(f["client_id"], f["code"]) for f in due.json()["items"]] == [(str(homeless), "sudden_departure")]
            assert (await http.get(f"/v1/clients/{homeless}/risk-flags",
                                   headers=auth("peer.kinuta"))).status_code == 403
            assert (await http.get("/v1/risk-flags/due", headers=auth("peer.kinuta"))).status_code == 403
            assert (await http.get(f"/v1/clients/{homeless}/risk-flags", headers=auth("analyst"))).status_code == 404
    finally:
        if app is not None:
            await app.state.engine.dispose()
        await drop_database(server_url, name)
