"""With several uvicorn workers every scrape, whichever worker answers it, shows the requests of all
of them (prometheus_client's multiprocess mode through the folder `serve` prepares)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.ops import live_server

pytestmark = pytest.mark.process
TOKEN = "workers-metrics-token-123456"


def _public_meetings_count(text: str) -> float:
    return sum(s.value for family in text_string_to_metric_families(text) for s in family.samples
               if s.name == "iko_http_requests_total" and s.labels.get("route") == "/v1/public/meetings")


def test_every_scrape_sums_all_workers(ops_data_dir: Path) -> None:
    server = live_server.start(ops_data_dir, WORKERS="2", METRICS_ENABLED="true", METRICS_TOKEN=TOKEN)
    try:
        with httpx.Client(base_url=server.base_url, timeout=10) as http:
            for _ in range(40):  # new connections: the kernel spreads them over both workers
                assert httpx.get(f"{server.base_url}/v1/public/meetings", timeout=10).status_code == 200
            scrapes = []
            for _ in range(6):
                r = httpx.get(f"{server.base_url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
                assert r.status_code == 200, r.text
                scrapes.append(_public_meetings_count(r.text))
            assert http.get("/metrics").status_code == 401
        assert scrapes == [40.0] * 6
        assert list((server.data_dir / "metrics").glob("*.db")), "the workers' files live under DATA_DIR/metrics"
        server.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + 10
        while live_server.postmasters_on(server.pgdata) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert live_server.postmasters_on(server.pgdata) == []
    finally:
        live_server.stop(server)
