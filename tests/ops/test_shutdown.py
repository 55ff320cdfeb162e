"""`make run` stops its embedded PostgreSQL when the service stops (SIGTERM from a process manager,
Ctrl-C in a terminal), and a server left running by a hard kill is stopped on the next start.

These start the real command in its own process group and data folder; the postmaster runs in a
session of its own (pg_ctl detaches it), so only the service can stop it."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from tests.ops import live_server
from tests.ops.live_server import postmasters_on

pytestmark = pytest.mark.process


def _gone_within(pgdata: Path, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while (left := postmasters_on(pgdata)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@pytest.fixture
def data_dir(ops_data_dir: Path) -> Path:
    return ops_data_dir


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_to_the_process_group_stops_the_embedded_postgres(data_dir: Path, sig: signal.Signals) -> None:
    server = live_server.start(data_dir)
    try:
        assert postmasters_on(server.pgdata), "the service should be running an embedded PostgreSQL"
        started = time.monotonic()
        server.signal_group(sig)
        left = _gone_within(server.pgdata, 10)
        assert left == [], f"postmaster {left} still running 10 s after {sig.name}:\n{server.log.read_text()[-2000:]}"
        assert server.wait_exit(10) is not None, "the service itself did not exit"
        assert time.monotonic() - started < 10
    finally:
        live_server.stop(server)


def test_a_postmaster_left_by_a_hard_kill_is_stopped_on_the_next_start(data_dir: Path) -> None:
    first = live_server.start(data_dir)
    try:
        stale = first.postmaster_pid()
        first.signal_group(signal.SIGKILL)  # no handler runs: the postmaster is orphaned
        first.wait_exit(10)
        assert stale in postmasters_on(first.pgdata)
    finally:
        live_server.stop(first)
    second = live_server.start(data_dir)
    try:
        assert stale not in postmasters_on(second.pgdata), "the orphaned postmaster was reused, not stopped"
        assert second.postmaster_pid() != stale
        assert "stale embedded PostgreSQL" in second.log.read_text()
    finally:
        second.signal_group(signal.SIGTERM)
        left = _gone_within(second.pgdata, 10)
        live_server.stop(second)
    assert left == []
