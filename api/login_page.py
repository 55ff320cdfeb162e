"""The login page's HTML: server-rendered, Japanese and English, nothing loaded from elsewhere.

Accessibility: every input has a <label>, errors are announced (role="alert") and the field points
to them, the focus ring is always visible, text contrast is above WCAG AA (#1a1a1a on #fff, the
button #fff on #0b4f8a), and the whole flow works with the keyboard alone."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from html import escape
from typing import Literal
from urllib.parse import urlsplit

Lang = Literal["ja", "en"]

_CSS = """
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;color:#1a1a1a;background:#f3f4f6;
line-height:1.6}
main{max-width:28rem;margin:2rem auto;padding:2rem;background:#fff;border:1px solid #8a8f98;border-radius:.5rem}
h1{font-size:1.4rem;margin:0 0 1rem}
label{display:block;font-weight:600;margin:1rem 0 .25rem}
input{width:100%;padding:.6rem;font-size:1rem;border:2px solid #4b5563;border-radius:.25rem;color:#1a1a1a}
button{margin-top:1.5rem;width:100%;padding:.7rem;font-size:1rem;font-weight:600;color:#fff;background:#0b4f8a;
border:2px solid #0b4f8a;border-radius:.25rem;cursor:pointer}
a{color:#0b4f8a}
:focus-visible,input:focus,button:focus{outline:3px solid #b45309;outline-offset:2px}
.error{border-left:4px solid #b91c1c;background:#fef2f2;color:#7f1d1d;padding:.6rem .8rem;margin:1rem 0}
.hint{color:#374151;font-size:.95rem}
.lang{text-align:right;font-size:.95rem;margin:0 0 1rem}
.codes{font-family:ui-monospace,monospace;font-size:1.1rem;columns:2}
.secret{font-family:ui-monospace,monospace;word-break:break-all}
.qr svg{display:block;margin:1rem auto;max-width:100%;height:auto}
""".strip()
_STYLE_HASH = base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()

TEXT: dict[str, tuple[str, str]] = {
    "title": ("Sign in", "ログイン"),
    "to_app": ("to continue to {app}", "{app} を利用するためにログインします"),
    "username": ("User name", "ユーザー名"),
    "password": ("Password", "パスワード"),
    "sign_in": ("Sign in", "ログイン"),
    "failed": ("Sign-in failed. Check the user name and password and try again.",
               "ログインできませんでした。ユーザー名とパスワードを確認して、もう一度お試しください。"),
    "throttled": ("Too many attempts. Wait a few minutes, then try again.",
                  "試行回数が多すぎます。数分待ってから、もう一度お試しください。"),
    "otp_title": ("Second step: one-time code", "2段階目: ワンタイムコード"),
    "otp_label": ("6-digit code from your authenticator app", "認証アプリに表示される6桁のコード"),
    "otp_hint": ("Lost your phone? Type one of your recovery codes instead.",
                 "スマートフォンを紛失した場合は、リカバリーコードを入力してください。"),
    "otp_failed": ("The code was not accepted. Type the current code (each code works once).",
                   "コードを確認できませんでした。現在のコードを入力してください（各コードは1回のみ有効です）。"),
    "verify": ("Verify", "確認"),
    "enrol_title": ("Set up two-step sign-in", "2段階認証の設定"),
    "enrol_intro": ("Your role must sign in with a second step. Scan this QR code with an authenticator app "
                    "(for example Google Authenticator or Microsoft Authenticator), then type the code it shows.",
                    "このアカウントでは2段階認証が必要です。認証アプリ（Google Authenticator、Microsoft Authenticator "
                    "など）でこの QR コードを読み取り、表示されたコードを入力してください。"),
    "qr_alt": ("QR code for the authenticator app", "認証アプリ用の QR コード"),
    "secret": ("Cannot scan? Enter this key by hand:", "読み取れない場合は、このキーを手入力してください:"),
    "confirm": ("Confirm", "設定を完了"),
    "codes_title": ("Your recovery codes", "リカバリーコード"),
    "codes_intro": ("Each code signs you in once if you lose your phone. Print them or keep them somewhere safe: "
                    "they are shown only now.",
                    "スマートフォンを紛失したとき、各コードで1回ログインできます。印刷するなど安全な場所に保管して"
                    "ください。表示されるのは今回だけです。"),
    "continue": ("Continue", "続ける"),
    "error_title": ("Sign-in cannot continue", "ログインを続けられません"),
    "bad_request": ("This sign-in link is not valid. Go back to the app and start again.",
                    "このログイン用リンクは無効です。アプリに戻って、最初からやり直してください。"),
    "expired": ("This page has expired or was opened in another window. Go back to the app and start again.",
                "このページは有効期限が切れたか、別のウィンドウで開かれました。アプリに戻って、最初からやり直してください。"),
    "switch": ("日本語", "English"),
}


def pick_lang(explicit: str | None, accept_language: str | None) -> Lang:
    if explicit in ("ja", "en"):
        return "ja" if explicit == "ja" else "en"
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("ja"):
            return "ja"
        if tag.startswith("en"):
            return "en"
    return "ja"  # the ward's staff read Japanese first


def t(lang: Lang, key: str, **kw: str) -> str:
    en, ja = TEXT[key]
    return escape((ja if lang == "ja" else en).format(**kw))


@dataclass
class Page:
    lang: Lang
    title_key: str
    body: str
    # Origins the form may be submitted and then redirected to (CSP form-action covers redirects).
    form_targets: list[str] = field(default_factory=list)
    switch_href: str | None = None

    def html(self) -> str:
        other = "en" if self.lang == "ja" else "ja"
        switch = (f'<p class="lang"><a href="{escape(self.switch_href)}" lang="{other}" hreflang="{other}">'
                  f'{t(self.lang, "switch")}</a></p>') if self.switch_href else ""
        return (f'<!doctype html><html lang="{self.lang}"><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<meta name="referrer" content="no-referrer"><title>{t(self.lang, self.title_key)}</title>'
                f"<style>{_CSS}</style></head><body><main>{switch}{self.body}</main></body></html>")

    def headers(self) -> dict[str, str]:
        targets = " ".join(["'self'", *self.form_targets])
        return {
            "Content-Security-Policy": (f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src data:; "
                                        f"form-action {targets}; frame-ancestors 'none'; base-uri 'none'"),
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
            "Pragma": "no-cache",
        }


def redirect_origin(redirect_uri: str) -> str:
    """The CSP source for where the last step redirects: a web origin, or a native app's scheme."""
    parts = urlsplit(redirect_uri)
    if parts.scheme in ("http", "https"):
        return f"{parts.scheme}://{parts.netloc}"
    return f"{parts.scheme}:"


def _hidden(fields: dict[str, str]) -> str:
    return "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items())


def _error(lang: Lang, key: str | None) -> str:
    return f'<div class="error" role="alert" id="form-error">{t(lang, key)}</div>' if key else ""


def password_form(lang: Lang, app_name: str, action: str, hidden: dict[str, str], *, error: str | None = None,
                  username: str = "", switch_href: str | None = None, form_targets: list[str]) -> Page:
    described = ' aria-describedby="form-error" aria-invalid="true"' if error else ""
    body = (f'<h1>{t(lang, "title")}</h1><p class="hint">{t(lang, "to_app", app=app_name)}</p>{_error(lang, error)}'
            f'<form method="post" action="{escape(action)}">{_hidden(hidden)}'
            f'<label for="username">{t(lang, "username")}</label>'
            f'<input id="username" name="username" autocomplete="username" required maxlength="64" '
            f'autocapitalize="none" spellcheck="false" value="{escape(username)}"{described}'
            f'{"" if username else " autofocus"}>'
            f'<label for="password">{t(lang, "password")}</label>'
            f'<input id="password" name="password" type="password" autocomplete="current-password" required '
            f'maxlength="1024"{described}{" autofocus" if username else ""}>'
            f'<button type="submit">{t(lang, "sign_in")}</button></form>')
    return Page(lang, "title", body, form_targets, switch_href)


def otp_form(lang: Lang, action: str, hidden: dict[str, str], *, error: str | None = None,
             form_targets: list[str]) -> Page:
    described = ' aria-describedby="form-error otp-hint" aria-invalid="true"' if error else \
        ' aria-describedby="otp-hint"'
    body = (f'<h1>{t(lang, "otp_title")}</h1>{_error(lang, error)}'
            f'<form method="post" action="{escape(action)}">{_hidden(hidden)}'
            f'<label for="code">{t(lang, "otp_label")}</label>'
            f'<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required '
            f'maxlength="32" autofocus{described}>'
            f'<p class="hint" id="otp-hint">{t(lang, "otp_hint")}</p>'
            f'<button type="submit">{t(lang, "verify")}</button></form>')
    return Page(lang, "otp_title", body, form_targets)


def enrol_form(lang: Lang, action: str, hidden: dict[str, str], *, qr_svg: str, secret: str,
               error: str | None = None, form_targets: list[str]) -> Page:
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    body = (f'<h1>{t(lang, "enrol_title")}</h1><p>{t(lang, "enrol_intro")}</p>'
            f'<div class="qr" role="img" aria-label="{t(lang, "qr_alt")}">{qr_svg}</div>'
            f'<p class="hint">{t(lang, "secret")} <span class="secret">{escape(grouped)}</span></p>'
            f'{_error(lang, error)}<form method="post" action="{escape(action)}">{_hidden(hidden)}'
            f'<label for="code">{t(lang, "otp_label")}</label>'
            f'<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required '
            f'maxlength="32" autofocus>'
            f'<button type="submit">{t(lang, "confirm")}</button></form>')
    return Page(lang, "enrol_title", body, form_targets)


def recovery_codes(lang: Lang, action: str, hidden: dict[str, str], codes: list[str], *,
                   form_targets: list[str]) -> Page:
    items = "".join(f"<li>{escape(c)}</li>" for c in codes)
    body = (f'<h1>{t(lang, "codes_title")}</h1><p>{t(lang, "codes_intro")}</p><ol class="codes">{items}</ol>'
            f'<form method="post" action="{escape(action)}">{_hidden(hidden)}'
            f'<button type="submit" autofocus>{t(lang, "continue")}</button></form>')
    return Page(lang, "codes_title", body, form_targets)


def error_page(lang: Lang, key: str) -> Page:
    return Page(lang, "error_title", f'<h1>{t(lang, "error_title")}</h1><p role="alert">{t(lang, key)}</p>')
