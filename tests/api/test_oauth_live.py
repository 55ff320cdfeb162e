"""The sign-in flow against a live server (uvicorn on a free port, its own committed database):
Authlib's OAuth 2.0 client completes authorization code + PKCE, and a headless Chromium signs in
through the login page with a TOTP code and lands on a loopback receiver, as a native app would."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pyotp
import pytest
import uvicorn
import websockets
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from sqlalchemy.ext.asyncio import async_sessionmaker

from api.config import Settings
from api.db.engine import create_engine, drop_database
from api.db.models import OAuthClient, TotpEnrolment
from api.main import create_app
from tests.oauth_flow import authorize_query, hidden_fields, pkce_pair
from tests.robustness.conftest import build_committed_database, database_name
from tests.world import PASSWORD

APP = "t.live-app"
LOOPBACK = "http://127.0.0.1/callback"  # registered without a port: RFC 8252 §7.3, any port at request time


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Live:
    base: str
    totp: pyotp.TOTP  # the supervisor's authenticator


@pytest.fixture(scope="module")
async def live(server_url: str, settings: Settings) -> AsyncIterator[Live]:
    built = await build_committed_database(server_url, settings, "iko_live")
    secret = pyotp.random_base32()
    engine = create_engine(built.url, built.settings, pool_size=1)
    async with async_sessionmaker(engine, expire_on_commit=False)() as session:
        session.add(OAuthClient(client_id=APP, name="Live app", client_type="public", redirect_uris=[LOOPBACK]))
        session.add(TotpEnrolment(user_id=built.world.users["supervisor"], secret=secret,
                                  confirmed_at=datetime.now(UTC)))
        await session.commit()
    await engine.dispose()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(built.settings), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the live server did not start"
        await asyncio.sleep(0.05)
    try:
        yield Live(f"http://127.0.0.1:{port}", pyotp.TOTP(secret))
    finally:
        server.should_exit = True
        await asyncio.to_thread(thread.join, 10)
        await drop_database(server_url, database_name(built.url))


async def _login_page(browser: httpx.AsyncClient, url: str, username: str) -> str:
    """The user's part, done by a plain HTTP client: open the page, post the form; the redirect."""
    page = await browser.get(url)
    assert page.status_code == 200, page.text[:300]
    done = await browser.post(page.url.copy_with(query=None), data={
        **hidden_fields(page.text), "username": username, "password": PASSWORD})
    assert done.status_code == 303, done.text[:300]
    return done.headers["location"]


async def test_authlib_completes_the_code_flow_with_pkce(live: Live) -> None:
    redirect_uri = "http://127.0.0.1:8765/callback"
    async with AsyncOAuth2Client(client_id=APP, redirect_uri=redirect_uri, code_challenge_method="S256",
                                 token_endpoint_auth_method="none") as oauth, httpx.AsyncClient() as browser:
        verifier = generate_token(64)
        url, state = oauth.create_authorization_url(f"{live.base}/v1/auth/authorize", code_verifier=verifier)
        assert "code_challenge_method=S256" in url
        location = await _login_page(browser, url, "t.caseworker")
        assert parse_qs(urlsplit(location).query)["state"] == [state]
        token = await oauth.fetch_token(f"{live.base}/v1/auth/token", authorization_response=location,
                                        code_verifier=verifier)
        assert token["token_type"] == "Bearer"
        assert token["refresh_token"]
        me = await oauth.get(f"{live.base}/v1/me")
        assert me.status_code == 200
        assert me.json()["role"] == "caseworker"

        # The same code a second time: refused, and the tokens it gave are revoked.
        with pytest.raises(OAuthError) as reused:
            await oauth.fetch_token(f"{live.base}/v1/auth/token", authorization_response=location,
                                    code_verifier=verifier)
        assert reused.value.error == "invalid_grant"
        assert (await oauth.get(f"{live.base}/v1/me")).status_code == 401

        # A fresh code with someone else's verifier: refused.
        url, _ = oauth.create_authorization_url(f"{live.base}/v1/auth/authorize", code_verifier=generate_token(64))
        location = await _login_page(browser, url, "t.caseworker")
        with pytest.raises(OAuthError) as wrong:
            await oauth.fetch_token(f"{live.base}/v1/auth/token", authorization_response=location,
                                    code_verifier=generate_token(64))
        assert wrong.value.error == "invalid_grant"


async def test_metadata_on_the_live_server_names_its_own_endpoints(live: Live) -> None:
    async with httpx.AsyncClient() as http:
        meta = (await http.get(f"{live.base}/.well-known/oauth-authorization-server")).json()
        assert meta["authorization_endpoint"] == f"{live.base}/v1/auth/authorize"
        assert (await http.get(meta["jwks_uri"])).json()["keys"]


# --- a real browser -------------------------------------------------------------------------

def _chromium() -> str:
    """Debian's Chromium; installed here when missing and apt-get can (root, network to Debian)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            subprocess.run(["apt-get", "update", "-qq"], env=env, timeout=300, check=False, capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, timeout=600, check=False,
                           capture_output=True)
        found = shutil.which("chromium")
        if found:
            return found
    pytest.skip("no Chromium: `apt-get install chromium` (Debian) was not possible here, so the login page "
                "was not driven in a real browser")


@contextlib.contextmanager
def _browser() -> Iterator[str]:
    """Headless Chromium with the DevTools protocol on a free port; yields the page's websocket URL."""
    with tempfile.TemporaryDirectory(prefix="iko-chromium-") as profile:
        proc = subprocess.Popen(
            [_chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--remote-debugging-port=0",
             f"--user-data-dir={profile}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            port_file = Path(profile) / "DevToolsActivePort"
            deadline = time.monotonic() + 30
            while not (port_file.exists() and port_file.read_text().strip()):
                assert proc.poll() is None, "Chromium exited at start"
                assert time.monotonic() < deadline, "Chromium did not open its DevTools port"
                time.sleep(0.05)
            port = port_file.read_text().split()[0]
            targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
            yield next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


class _Page:
    """The few DevTools protocol commands the test needs: navigate, read, type, press Enter."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        await self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), 20))
            if message.get("id") == self.next_id:
                assert "error" not in message, message
                result: dict[str, Any] = message["result"]
                return result

    async def js(self, expression: str) -> Any:
        return (await self.send("Runtime.evaluate", expression=expression, returnByValue=True))["result"].get("value")

    async def wait_for(self, expression: str, within: float = 15) -> None:
        deadline = time.monotonic() + within
        while not await self.js(f"(() => {{ try {{ return !!({expression}); }} catch (e) {{ return false; }} }})()"):
            assert time.monotonic() < deadline, f"timed out waiting for {expression}"
            await asyncio.sleep(0.1)

    async def type_into(self, element_id: str, text: str) -> None:
        await self.js(f"document.getElementById({json.dumps(element_id)}).focus()")
        await self.send("Input.insertText", text=text)

    async def press_enter(self) -> None:
        for kind in ("keyDown", "keyUp"):
            await self.send("Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter",
                            windowsVirtualKeyCode=13, **({"text": "\r"} if kind == "keyDown" else {}))


class _Receiver(http.server.ThreadingHTTPServer):
    """The native app's loopback redirect target (RFC 8252 §7.3)."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                receiver.hits.append(self.path)
                body = b"<!doctype html><title>done</title><p id=done>signed in</p>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return None

        super().__init__(("127.0.0.1", 0), Handler)


async def test_a_browser_signs_in_through_the_login_page_with_totp(live: Live) -> None:
    receiver = _Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    redirect_uri = f"http://127.0.0.1:{receiver.server_address[1]}/callback"
    verifier, challenge = pkce_pair()
    url = f"{live.base}/v1/auth/authorize?{authorize_query(APP, redirect_uri, challenge, 'browser-state', lang='en')}"
    try:
        with _browser() as ws_url:
            async with websockets.connect(ws_url, max_size=None) as ws:
                page = _Page(ws)
                await page.send("Page.enable")
                await page.send("Page.navigate", url=url)
                await page.wait_for("document.getElementById('password')")
                assert await page.js("document.documentElement.lang") == "en"
                assert await page.js("document.activeElement.id") == "username"  # keyboard-ready
                await page.type_into("username", "t.supervisor")
                await page.type_into("password", PASSWORD)
                await page.press_enter()
                await page.wait_for("document.getElementById('code')")
                assert await page.js("document.activeElement.id") == "code"
                await page.type_into("code", live.totp.now())
                await page.press_enter()
                deadline = time.monotonic() + 15
                while not receiver.hits:
                    assert time.monotonic() < deadline, "the browser never reached the loopback receiver"
                    await asyncio.sleep(0.1)
                await page.wait_for("document.getElementById('done')")
    finally:
        receiver.shutdown()
    query = {k: v[0] for k, v in parse_qs(urlsplit(receiver.hits[0]).query).items()}
    assert query["state"] == "browser-state"
    async with httpx.AsyncClient(base_url=live.base) as http:
        tokens = await http.post("/v1/auth/token", data={
            "grant_type": "authorization_code", "code": query["code"], "redirect_uri": redirect_uri,
            "client_id": APP, "code_verifier": verifier})
        assert tokens.status_code == 200, tokens.text
        access = tokens.json()["access_token"]
        payload = access.split(".")[1]
        assert json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["amr"] == ["pwd", "otp"]
        me = await http.get("/v1/me", headers={"Authorization": f"Bearer {access}"})
        assert me.status_code == 200
        assert me.json()["role"] == "supervisor"
