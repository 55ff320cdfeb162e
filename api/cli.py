"""`python -m api <command>`: serve, migrate, seed, create-admin, verify-audit, sealer, openapi, retention,
backup, restore."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

from api.config import Settings, get_settings

ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_DB_NAME = "setagaya_iko"


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def resolve_database_url(settings: Settings) -> str:
    """DATABASE_URL when set; otherwise start (or reuse) the embedded server under DATA_DIR."""
    if settings.database_url:
        return settings.database_url
    from api.db.engine import create_database
    from api.ops.embedded_postgres import start_embedded

    server = start_embedded(settings.data_dir)
    url = asyncio.run(create_database(server.url("postgres"), EMBEDDED_DB_NAME))
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    return url


def _settings_with_db() -> Settings:
    settings = get_settings()
    resolve_database_url(settings)
    return get_settings()


def cmd_migrate(args: argparse.Namespace) -> None:
    settings = _settings_with_db()
    assert settings.database_url
    command.upgrade(alembic_config(settings.database_url), args.revision)


def cmd_downgrade(args: argparse.Namespace) -> None:
    settings = _settings_with_db()
    assert settings.database_url
    command.downgrade(alembic_config(settings.database_url), args.revision)


def cmd_seed(args: argparse.Namespace) -> None:
    from api.demo.load import load_demo_data

    settings = _settings_with_db()
    created = asyncio.run(load_demo_data(settings, only_if_empty=not args.force))
    print("demo data loaded" if created else "database already has data; nothing loaded (use --force)")


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def cmd_serve(args: argparse.Namespace) -> None:
    from api.ops.embedded_postgres import stop_all

    # uvicorn shuts down gracefully on SIGTERM/SIGINT, restores the handlers it found and raises the
    # signal again. With Python's default SIGTERM action the process would die right there: no
    # `finally`, no atexit, and the embedded PostgreSQL would outlive the service. With this handler
    # the re-raised SIGTERM becomes SystemExit (SIGINT already becomes KeyboardInterrupt), so the
    # `finally` below stops the server, also when the signal arrives during migration or seeding.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        _serve(args)
    finally:
        stop_all()


def _metrics_folder(settings: Settings) -> None:
    """Several workers add up their metrics through files in one folder (api.metrics); emptied at each
    start, since the files of the last run's workers would otherwise be counted again."""
    if not settings.metrics_enabled or settings.workers == 1 or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    folder = settings.data_dir.resolve() / "metrics"
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)  # inherited by the worker processes


def _serve(args: argparse.Namespace) -> None:
    import uvicorn

    settings = _settings_with_db()
    _metrics_folder(settings)
    assert settings.database_url
    command.upgrade(alembic_config(settings.database_url), "head")
    if settings.load_demo_data or args.demo:
        from api.demo.load import load_demo_data

        asyncio.run(load_demo_data(settings, only_if_empty=True))
    uvicorn.run(
        "api.main:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=None,
        access_log=False,
        # The app reads X-Forwarded-For itself, from TRUSTED_PROXIES only (api.middleware).
        proxy_headers=False,
    )


def cmd_create_admin(args: argparse.Namespace) -> None:
    from api.services.bootstrap import create_first_admin

    settings = _settings_with_db()
    password = os.environ.get("ADMIN_PASSWORD") or getpass.getpass("Password for the new admin: ")
    if len(password) < 12:
        raise SystemExit("The password must have at least 12 characters.")
    asyncio.run(create_first_admin(settings, args.username, args.display_name, password))
    print(f"admin {args.username!r} created")


def cmd_verify_audit(args: argparse.Namespace) -> None:
    from api.services.audit_check import verify

    settings = _settings_with_db()
    if args.max_unsealed_age is not None:
        settings = settings.model_copy(update={"audit_unsealed_max_age_s": args.max_unsealed_age})
    report = asyncio.run(verify(settings))
    if report.ok:
        print(f"audit log intact: {report.leaves} events in the log, {report.checkpoints} signed checkpoints "
              "verified, none left unsealed too long")
        return
    print(f"audit log BROKEN ({report.leaves} events, {report.checkpoints} checkpoints):")
    for problem in report.problems[:50]:
        print(f"  {problem}")
    sys.exit(1)


def cmd_reencrypt_secrets(args: argparse.Namespace) -> None:
    from api.db.engine import create_engine, create_sessionmaker
    from api.secret_box import secret_box
    from api.services.webhooks import reencrypt_secrets

    settings = _settings_with_db()

    async def run() -> int:
        engine = create_engine(settings.database_url or "", settings, pool_size=1)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                return await reencrypt_secrets(session, secret_box(settings))
        finally:
            await engine.dispose()

    moved = asyncio.run(run())
    print(f"webhook secrets re-encrypted under key {secret_box(settings).current_key_id}: {moved} subscriptions")


def cmd_new_secret_key(args: argparse.Namespace) -> None:
    from api.secret_box import new_key_setting

    print(new_key_setting(args.key_id))
def cmd_sealer(args: argparse.Namespace) -> None:
    from api.db.engine import create_engine
    from api.security import KeyRing
    from api.services.audit_sealer import AuditSealer

    settings = _settings_with_db()
    assert settings.database_url

    async def run() -> None:
        engine = create_engine(settings.database_url or "", settings, pool_size=1)
        sealer = AuditSealer(engine, settings, KeyRing.from_settings(settings))
        try:
            if args.once:
                size = await sealer.seal_until_current()
                print("another process holds the sealer lock; nothing done" if size is None
                      else f"audit log sealed: {size} events")
            else:
                await sealer.run()
        finally:
            await engine.dispose()

    asyncio.run(run())
def cmd_retention(args: argparse.Namespace) -> None:
    from api.db.engine import create_engine, create_sessionmaker
    from api.domain.fiscal import today_tokyo
    from api.services.record_retention import run

    settings = _settings_with_db()

    async def go() -> list[Any]:
        engine = create_engine(settings.database_url or "", settings)
        try:
            async with create_sessionmaker(engine)() as session:
                return await run(session, today_tokyo(), settings.retention_years_after_close, apply=args.apply)
        finally:
            await engine.dispose()

    items = asyncio.run(go())
    verb = "erased" if args.apply else "due (dry run; --apply to erase)"
    print(f"{len(items)} client records {verb}, {settings.retention_years_after_close} years after close")
    for item in items:
        print(f"  {item.client_id}  last closed {item.last_closed_on or '-'}  deactivated "
              f"{item.deactivated_on or '-'}  due {item.due_on}")


def cmd_backup(args: argparse.Namespace) -> None:
    from api.ops.backup import BackupError, backup

    settings = _settings_with_db()
    assert settings.database_url
    try:
        backup(settings.database_url, Path(args.file))
    except BackupError as exc:
        raise SystemExit(f"backup failed: {exc}") from exc
    print(f"backup written to {args.file} ({Path(args.file).stat().st_size} bytes)")


def cmd_restore(args: argparse.Namespace) -> None:
    from sqlalchemy.engine import make_url

    from api.db.engine import normalise_url
    from api.ops.backup import BackupError, restore

    settings = _settings_with_db()
    assert settings.database_url
    database = args.database or make_url(normalise_url(settings.database_url)).database
    try:
        url = asyncio.run(restore(settings.database_url, Path(args.file), str(database)))
    except BackupError as exc:
        raise SystemExit(f"restore failed: {exc}") from exc
    print(f"restored {args.file} into database {database!r}")
    print(f"use it with DATABASE_URL={make_url(url).render_as_string(hide_password=True)}, "
          "then check it with `python -m api verify-audit`")


def cmd_openapi(args: argparse.Namespace) -> None:
    from api.openapi_export import current_spec

    spec = json.dumps(current_spec(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    out = Path(args.out)
    if args.check:
        if not out.exists() or out.read_text(encoding="utf-8") != spec:
            raise SystemExit(f"{out} is out of date: run `make openapi`")
        print(f"{out} is up to date")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(spec, encoding="utf-8")
    print(f"wrote {out}")


def cmd_access_tables(args: argparse.Namespace) -> None:
    from api.domain.access_readme import render, replace_in

    if not args.write:
        print(render())
        return
    readme = ROOT / "README.md"
    readme.write_text(replace_in(readme.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote the access tables into {readme}")


# --- issue 18: ending support ---
def cmd_episode_alerts(args: argparse.Namespace) -> None:
    from api.db.engine import create_engine, create_sessionmaker
    from api.services.episode_endings import EpisodeAlerts

    settings = _settings_with_db()

    async def run() -> dict[str, int]:
        engine = create_engine(settings.database_url or "", settings, pool_size=1)
        try:
            return await EpisodeAlerts(create_sessionmaker(engine), settings).run_once()
        finally:
            await engine.dispose()

    sent = asyncio.run(run())
    print("episode events queued: " + ", ".join(f"{k} {v}" for k, v in sent.items()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m api")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="migrate, seed demo data when empty (with --demo), serve")
    p.add_argument("--demo", action="store_true", help="load demo data into an empty database")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("migrate", help="upgrade the schema (default: head)")
    p.add_argument("revision", nargs="?", default="head")
    p.set_defaults(func=cmd_migrate)
    p = sub.add_parser("downgrade", help="downgrade the schema to a revision (base = empty)")
    p.add_argument("revision")
    p.set_defaults(func=cmd_downgrade)
    p = sub.add_parser("seed", help="load the demo data (only into an empty database unless --force)")
    p.add_argument("--force", action="store_true")
    p.set_defaults(func=cmd_seed)
    p = sub.add_parser("create-admin", help="create the first admin (password from ADMIN_PASSWORD or a prompt)")
    p.add_argument("--username", required=True)
    p.add_argument("--display-name", default="Administrator")
    p.set_defaults(func=cmd_create_admin)
    p = sub.add_parser("verify-audit", help="verify the audit Merkle log, its signed checkpoints and the seal lag")
    p.add_argument("--max-unsealed-age", type=float, default=None,
                   help="seconds an event may stay unsealed (default AUDIT_UNSEALED_MAX_AGE_S)")
    p.set_defaults(func=cmd_verify_audit)
    p = sub.add_parser("sealer", help="seal the audit log into its Merkle tree (one sealer runs at a time)")
    p.add_argument("--once", action="store_true", help="seal what is sealable now and exit")
    p.set_defaults(func=cmd_sealer)
    p = sub.add_parser("retention", help="list (or --apply: erase in place) client records past the retention period")
    p.add_argument("--apply", action="store_true", help="erase; without it, only list what is due")
    p.set_defaults(func=cmd_retention)
    p = sub.add_parser("backup", help="dump the database to FILE (pg_dump custom format)")
    p.add_argument("file")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="restore FILE into an empty database (default: DATABASE_URL's)")
    p.add_argument("file")
    p.add_argument("--database", help="restore into this database on the same server (created when missing)")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("reencrypt-secrets",
                       help="re-encrypt every webhook signing secret under the first key of WEBHOOK_SECRET_KEYS")
    p.set_defaults(func=cmd_reencrypt_secrets)
    p = sub.add_parser("new-secret-key", help="print a new `id:base64` entry for WEBHOOK_SECRET_KEYS")
    p.add_argument("key_id")
    p.set_defaults(func=cmd_new_secret_key)
    p = sub.add_parser("openapi", help="write (or --check) the committed OpenAPI document")
    p.add_argument("--out", default=str(ROOT / "openapi" / "openapi.json"))
    p.add_argument("--check", action="store_true")
    p.set_defaults(func=cmd_openapi)
    p = sub.add_parser("access-tables", help="print (or --write into README.md) what each role sees and may do")
    p.add_argument("--write", action="store_true")
    p.set_defaults(func=cmd_access_tables)
    p = sub.add_parser("episode-alerts", help="queue episode.ending_soon / episode.long_running events once")
    p.set_defaults(func=cmd_episode_alerts)
    args = parser.parse_args(argv)
    args.func(args)
