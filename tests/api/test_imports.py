"""Bulk import from the ward's spreadsheets (issue 20): CSV in UTF-8 (with or without BOM) and
Shift_JIS, XLSX; validate_only writes nothing and reports every row and column error in Japanese
and English; a real run is one all-or-nothing job with progress, idempotent per file, audited per
client, with duplicate detection; the example files import into the demo world."""

from __future__ import annotations

import asyncio
import io
import uuid
from pathlib import Path
from typing import Any

import httpx
from alembic import command
from fastapi import FastAPI
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.cli import alembic_config
from api.config import Settings
from api.db.engine import create_database, drop_database
from api.db.models import Activity, AuditEvent, CareTeamMember, Client, Consent, ImportJob
from api.demo.load import seed_all
from api.main import create_app
from api.services.imports import ImportRunner
from tests.scenario import make_client
from tests.world import World

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "imports"
HEADER = "氏名,フリガナ,生年月日,性別,総合支所,居住形態,生活保護,診断\r\n"
GOOD = ["北沢 一郎,キタザワ イチロウ,1970-01-02,男性,karasuyama,アパート・単身,はい,F20\r\n",
        "砧 花子,キヌタ ハナコ,1981/3/9,女性,烏山,家族と同居,いいえ,F32;F41\r\n"]


def _csv(*rows: str, encoding: str = "utf-8", bom: bool = False) -> bytes:
    data = (HEADER + "".join(rows)).encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


async def _post(http: httpx.AsyncClient, world: World, data: bytes, *, kind: str = "clients",
                validate_only: bool = False, actor: str = "caseworker", name: str = "clients.csv",
                mapping: str | None = None) -> httpx.Response:
    form: dict[str, Any] = {"kind": kind, "validate_only": "true" if validate_only else "false"}
    if mapping is not None:
        form["mapping"] = mapping
    return await http.post("/v1/imports", data=form, files={"file": (name, data, "text/csv")},
                           headers={**world.auth(actor), "Accept-Language": "ja"})


async def _count(db: AsyncSession, model: Any) -> int:
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def _run(app: FastAPI, settings: Settings) -> uuid.UUID | None:
    return await ImportRunner(app.state.sessionmaker, settings).run_once()


async def test_validate_only_reports_every_error_in_both_languages_and_writes_nothing(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    existing = make_client("karasuyama", "佐藤 雅之", "サトウ マサユキ")
    db.add(existing)
    await db.flush()
    # Duplicates are looked for among the clients the importer may see, as in POST /v1/clients.
    db.add(CareTeamMember(client_id=existing.id, user_id=world.users["caseworker"], team_role="caseworker",
                          from_date=existing.date_of_birth))
    await db.flush()
    before = await _count(db, Client)
    data = _csv(GOOD[0],
                "烏山 太郎,カラスヤマ タロウ,1970-13-40,男性,karasuyama,アパート・単身,はい,F20\r\n",
                "世田谷 次郎,せたがや じろう,1960-01-01,不明な性別,karasuyama,宇宙,たぶん,F20\r\n",
                f"佐藤 雅之,サトウ マサユキ,{existing.date_of_birth.isoformat()},男性,karasuyama,アパート・単身,,\r\n",
                encoding="cp932")
    response = await _post(client, world, data, validate_only=True)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["valid"] is False
    assert report["encoding"] == "shift_jis"
    assert (report["rows_total"], report["rows_ok"], report["rows_failed"]) == (4, 1, 3)
    by_row: dict[int, list[dict[str, Any]]] = {}
    for error in report["errors"]:
        by_row.setdefault(error["row"], []).append(error)
    assert set(by_row) == {3, 4, 5}
    assert [(e["column"], e["field"]) for e in by_row[3]] == [("生年月日", "date_of_birth")]
    assert "YYYY-MM-DD" in by_row[3][0]["message"]
    assert "日付" in by_row[3][0]["message_ja"]
    # 「たぶん」 is no yes/no: the cell is named before the row's other checks run.
    assert [(e["field"], e["code"]) for e in by_row[4]] == [("public_assistance", "bool")]
    assert "はい" in by_row[4][0]["message_ja"]
    assert by_row[5][0]["code"] == "possible-duplicate"
    assert "重複確認済み" in by_row[5][0]["message_ja"]
    assert [(d["row"], d["id"]) for d in report["duplicates"]] == [(5, str(existing.id))]
    assert await _count(db, Client) == before, "validate_only must write nothing"
    audit = (await db.scalars(select(AuditEvent).where(AuditEvent.resource_type == "import"))).all()
    assert [a.action for a in audit] == ["validate"]


async def test_unknown_values_are_reported_per_cell(client: httpx.AsyncClient, world: World) -> None:
    data = _csv("世田谷 次郎,セタガヤ ジロウ,1960-01-01,不明な性別,karasuyama,宇宙,はい,F20\r\n")
    report = (await _post(client, world, data, validate_only=True)).json()
    fields = {(e["column"], e["code"]) for e in report["errors"]}
    assert fields == {("性別", "literal_error"), ("居住形態", "literal_error")}
    assert all(e["message_ja"].startswith("使用できない値です") for e in report["errors"])


async def test_a_real_run_is_a_job_all_or_nothing_and_audited_per_client(
        client: httpx.AsyncClient, db: AsyncSession, world: World, app: FastAPI, settings: Settings) -> None:
    bad = _csv(*GOOD, "壊れ 行,コワレ ギョウ,1970-01-02,男性,karasuyama,アパート・単身,はい,X99\r\n")
    queued = await _post(client, world, bad)
    assert queued.status_code == 202, queued.text
    job = queued.json()
    assert (job["status"], job["rows_total"], job["rows_done"]) == ("queued", 3, 0)
    assert queued.headers["location"] == f"/v1/imports/{job['id']}"
    before = await _count(db, Client)
    assert await _run(app, settings) == uuid.UUID(job["id"])
    failed = (await client.get(f"/v1/imports/{job['id']}", headers=world.auth("caseworker"))).json()
    assert failed["status"] == "failed"
    assert [(e["row"], e["field"]) for e in failed["report"]["errors"]] == [(4, "diagnoses")]
    assert await _count(db, Client) == before, "one bad row and nothing is written"
    assert await db.scalar(select(ImportJob.content).where(ImportJob.id == uuid.UUID(job["id"]))) is None

    good = await _post(client, world, _csv(*GOOD, bom=True))
    assert good.status_code == 202
    await _run(app, settings)
    done = (await client.get(f"/v1/imports/{good.json()['id']}", headers=world.auth("caseworker"))).json()
    assert (done["status"], done["rows_done"], done["rows_total"]) == ("succeeded", 2, 2)
    assert done["report"]["created_count"] == 2
    assert done["report"]["encoding"] == "utf-8-sig"
    imported = (await db.scalars(select(Client).where(Client.kana.in_(["キタザワ イチロウ", "キヌタ ハナコ"])))).all()
    assert sorted(c.branch_code for c in imported) == ["karasuyama", "karasuyama"]
    hanako = next(c for c in imported if c.kana == "キヌタ ハナコ")
    assert hanako.diagnoses == ["F32", "F41"]
    assert hanako.date_of_birth.isoformat() == "1981-03-09"
    team = (await db.scalars(select(CareTeamMember.client_id).where(
        CareTeamMember.user_id == world.users["caseworker"]))).all()
    assert {c.id for c in imported} <= set(team), "the importer joins each imported client's care team"
    creates = (await db.scalars(select(AuditEvent.client_id).where(
        AuditEvent.action == "create", AuditEvent.resource_type == "client",
        AuditEvent.client_id.in_([c.id for c in imported])))).all()
    assert sorted(map(str, creates)) == sorted(str(c.id) for c in imported)

    # Idempotent: the same file again is the same import, and nothing is queued.
    again = await _post(client, world, _csv(*GOOD, bom=True))
    assert again.status_code == 200
    assert again.json()["id"] == good.json()["id"]
    assert await _run(app, settings) is None


async def test_xlsx_consents_and_activities_find_clients_by_kana_and_birth_date(
        client: httpx.AsyncClient, db: AsyncSession, world: World, app: FastAPI, settings: Settings) -> None:
    await _post(client, world, _csv(GOOD[0]))
    await _run(app, settings)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["利用者フリガナ", "利用者生年月日", "提供先の機関種別", "利用目的", "情報の種類", "同意日",
                  "同意の方法"])
    sheet.append(["キタザワ イチロウ", "1970-01-02", "consultation_office", "関係機関への紹介・依頼",
                  "氏名・生年月日;連絡先", "2010-07-01", "署名した同意書"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = await client.post("/v1/imports", data={"kind": "consents"},
                                 files={"file": ("consents.xlsx", buffer.getvalue(),
                                                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")},
                                 headers=world.auth("caseworker"))
    assert response.status_code == 202, response.text
    await _run(app, settings)
    job = (await client.get(f"/v1/imports/{response.json()['id']}", headers=world.auth("caseworker"))).json()
    assert job["status"] == "succeeded", job["report"]
    assert job["report"]["encoding"] == "xlsx"
    consent = await db.scalar(select(Consent).join(Client, Client.id == Consent.client_id)
                              .where(Client.kana == "キタザワ イチロウ"))
    assert consent is not None
    assert (consent.purposes, consent.data_categories) == (["referral"], ["identity", "contact"])


async def test_a_mapping_names_columns_and_a_client_not_visible_is_a_row_error(
        client: httpx.AsyncClient, db: AsyncSession, world: World) -> None:
    other = make_client("setagaya", "他支所 利用者", "タシショ リヨウシャ")
    db.add(other)
    await db.flush()
    data = ("name,yomi,born,sex,branch,home\r\n"
            "北沢 一郎,キタザワ イチロウ,1970-01-02,male,karasuyama,apartment\r\n").encode()
    mapping = '{"yomi": "kana", "born": "date_of_birth", "branch": "branch_code", "home": "residence_type"}'
    report = (await _post(client, world, data, validate_only=True, mapping=mapping)).json()
    assert report["valid"] is True, report
    unmapped = await _post(client, world, data, validate_only=True)
    assert unmapped.status_code == 422
    assert "kana" in unmapped.json()["detail"]

    consents = (f"利用者ID,利用目的,情報の種類,同意日,同意の方法,提供先の機関種別\r\n"
                f"{other.id},referral,identity,2010-07-01,signed_form,group_home\r\n").encode()
    report = (await _post(client, world, consents, kind="consents", validate_only=True)).json()
    assert [e["code"] for e in report["errors"]] == ["not-found"]


async def test_file_level_problems_and_limits(client: httpx.AsyncClient, world: World, app: FastAPI) -> None:
    garbage = await _post(client, world, b"\x81\x00\xff\xfe" * 10, validate_only=True)
    assert garbage.status_code == 422
    assert garbage.json()["errors"][0]["field"] == "body.file"
    empty = await _post(client, world, b"", validate_only=True)
    assert empty.status_code == 422
    # Above the general 1 MiB body limit but within the import limit: accepted and read. (Rows whose
    # yes/no cell is unreadable fail before any database work, which keeps this test quick.)
    row = "北沢 一郎,キタザワ イチロウ,1970-01-02,男性,karasuyama,アパート・単身,たぶん,F20\r\n"
    big = _csv(*(row for _ in range(20_000)))
    assert len(big) > app.state.settings.max_body_bytes
    response = await _post(client, world, big, validate_only=True)
    assert response.status_code == 200, response.text[:300]
    report = response.json()
    assert (report["rows_total"], report["rows_failed"], report["error_count"]) == (20_000, 10_000, 20_000)
    assert report["errors_truncated"] is True
    assert (await client.post("/v1/clients", content=big, headers={
        **world.auth("caseworker"), "Content-Type": "application/json"})).status_code == 413


async def test_the_example_files_import_into_the_demo_world(server_url: str, tmp_path: Path) -> None:
    name = f"iko_import_{uuid.uuid4().hex[:8]}"
    url = await create_database(server_url, name)
    app = None
    try:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "head")
        settings = Settings(database_url=url, data_dir=tmp_path, run_background_workers=False, log_level="WARNING",
                            stats_snapshot_seconds=0)
        app = create_app(settings)
        maker = async_sessionmaker(app.state.engine, expire_on_commit=False)
        async with maker() as session:
            refs = await seed_all(session)
            await session.commit()
        token = app.state.tokens.issue_access_token(refs.users["cw.karasuyama"], "user")[0]
        runner = ImportRunner(app.state.sessionmaker, settings)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            for kind, file_name in (("clients", "clients.csv"), ("consents", "consents.csv"),
                                    ("activities", "activities.xlsx")):
                data = (EXAMPLES / file_name).read_bytes()
                checked = await http.post("/v1/imports", data={"kind": kind, "validate_only": "true"},
                                          files={"file": (file_name, data)},
                                          headers={"Authorization": f"Bearer {token}"})
                assert checked.status_code == 200, checked.text
                if kind == "clients":
                    assert checked.json()["valid"] is True, checked.json()
                queued = await http.post("/v1/imports", data={"kind": kind}, files={"file": (file_name, data)},
                                         headers={"Authorization": f"Bearer {token}"})
                assert queued.status_code == 202, queued.text
                await runner.run_once()
                job = (await http.get(f"/v1/imports/{queued.json()['id']}",
                                      headers={"Authorization": f"Bearer {token}"})).json()
                assert job["status"] == "succeeded", (file_name, job["report"])
                assert job["report"]["created_count"] == 3
        async with maker() as session:
            note = "通院同行。主治医に睡眠の様子を伝えた。"
            assert await session.scalar(select(func.count()).select_from(Activity).join(
                Client, Client.id == Activity.client_id).where(Client.kana == "スズキ クミコ",
                                                                Activity.note == note)) == 1
            assert await session.scalar(select(func.count()).select_from(Client).where(
                Client.kana == "マツモト ケンジ", Client.branch_code == "karasuyama")) == 1
    finally:
        if app is not None:
            await app.state.engine.dispose()
        await drop_database(server_url, name)
