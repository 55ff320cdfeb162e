"""Where the audit sealer runs: in every worker by default (one seals at a time), or only as
`python -m api sealer`, a process of its own, when AUDIT_SEALER_IN_SERVICE is off (README: sealing is
CPU work that pauses a worker's requests; the benchmark runs both apps so)."""

from __future__ import annotations

from api.config import Settings
from api.main import create_app


async def test_the_workers_leave_sealing_to_its_own_process_when_told(settings: Settings) -> None:
    inside = create_app(settings.model_copy(update={"run_background_workers": True}))
    outside = create_app(settings.model_copy(update={"run_background_workers": True,
                                                     "audit_sealer_in_service": False}))
    try:
        assert inside.state.sealer is not None
        assert getattr(outside.state, "sealer", None) is None
        assert outside.state.background, "the other background workers still run"
    finally:
        for app in (inside, outside):
            await app.state.engine.dispose()
