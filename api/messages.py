"""Every sentence the service writes to a caller, in English and Japanese, in one catalogue.

Code raises problems by key with parameters (`Problem("conflict", msg("consent.withdrawn"))`); the
renderer picks the language from `Accept-Language` when the answer is written. Parameters are
values the caller sent or field names; lists are joined, and a parameter that is itself a `Msg`
(an action's label) is rendered in the same language. Validators raise `invalid(key, ...)`, whose
pydantic error `type` is the key, so field messages translate the same way; pydantic's own error
types have their Japanese text in `PYDANTIC_JA`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic_core import PydanticCustomError


@dataclass(frozen=True, slots=True)
class Msg:
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, ja: bool) -> str:
        en_text, ja_text = CATALOGUE[self.key]
        return (ja_text if ja else en_text).format_map({k: _param(v, ja) for k, v in self.params.items()})

    def __str__(self) -> str:  # logs and exception messages are English
        return self.text(False)


@dataclass(frozen=True, slots=True)
class Text:
    """A parameter already written in both languages (a spreadsheet reader's own sentences)."""

    en: str
    ja: str

    def text(self, ja: bool) -> str:
        return self.ja if ja else self.en


def _param(value: Any, ja: bool) -> str:
    if isinstance(value, Msg | Text):
        return value.text(ja)
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_param(v, ja) for v in (sorted(value) if isinstance(value, (set, frozenset)) else value)]
        return ("、" if ja else ", ").join(items) if items else ("なし" if ja else "none")
    return str(value)


def msg(key: str, **params: Any) -> Msg:
    if key not in CATALOGUE:
        raise KeyError(f"no message {key!r} in api.messages.CATALOGUE")
    return Msg(key, params)


def invalid(key: str, **params: Any) -> PydanticCustomError:
    """A validator's refusal: its error type is the catalogue key, its English text the message."""
    if key not in CATALOGUE:
        raise KeyError(f"no message {key!r} in api.messages.CATALOGUE")
    return PydanticCustomError(key, CATALOGUE[key][0], dict(params))


def localise(value: Any, ja: bool) -> Any:
    """Render every Msg inside a problem's extension members (field errors carry them)."""
    if isinstance(value, Msg):
        return value.text(ja)
    if isinstance(value, dict):
        return {k: localise(v, ja) for k, v in value.items()}
    if isinstance(value, list):
        return [localise(v, ja) for v in value]
    return value


# key → (English, Japanese). Placeholders are str.format fields; both texts use the same ones.
CATALOGUE: Mapping[str, tuple[str, str]] = {
    # ---- generic HTTP and request shape
    "route.not_found": ("No route matches {path}.", "{path} に該当する API はありません。"),
    "route.method_not_allowed": ("{method} is not allowed on {path}.", "{path} では {method} は使えません。"),
    "request.malformed": ("The request body could not be read; check its Content-Type and encoding.",
                          "リクエスト本文を読み取れませんでした。Content-Type と文字コードを確認してください。"),
    "request.body_too_large": ("The request body exceeds {limit} bytes.",
                               "リクエスト本文が上限の {limit} バイトを超えています。"),
    "request.rate_limited": ("Too many requests; try again in {seconds} s.",
                             "リクエストが多すぎます。{seconds} 秒後にもう一度お試しください。"),
    "request.internal": ("The error was logged; quote the request id when reporting it.",
                         "エラーは記録されました。お問い合わせの際はリクエスト ID をお伝えください。"),
    "request.unknown_query": ("Unknown query parameter(s): {names}. This operation accepts: {allowed}.",
                              "不明なクエリパラメータがあります: {names}。この操作で使えるのは {allowed} です。"),
    "request.unknown_query.field": ("unknown query parameter; accepted: {allowed}",
                                    "不明なクエリパラメータです（使えるもの: {allowed}）"),
    "validation.fields": ("{count} invalid field(s).", "{count} 件の項目に誤りがあります。"),
    "validation.fields_for": ("{count} invalid field(s) for {action}.",
                              "{action} について {count} 件の項目に誤りがあります。"),
    "database.unreachable": ("The database is not reachable; try again shortly.",
                             "データベースに接続できません。しばらくしてからもう一度お試しください。"),
    "database.timeout": ("The database did not answer in time; try again shortly.",
                         "データベースの応答が時間内にありませんでした。しばらくしてからもう一度お試しください。"),
    "database.value_rejected": ("A value is not acceptable to the database "
                                "(out of range or containing characters it cannot store).",
                                "データベースに保存できない値があります（範囲外か、保存できない文字を含んでいます）。"),
    "database.conflict": ("The change conflicts with existing data.", "既存のデータと矛盾する変更です。"),
    "database.stale": ("The resource was changed by someone else; re-read it.",
                       "ほかの人がこのデータを更新しました。読み直してください。"),
    "health.schema_mismatch": ("The schema is at {current}, the code expects {expected}.",
                               "データベースのスキーマは {current} ですが、"
                               "プログラムは {expected} を前提としています。"),
    # ---- versions, idempotency, pagination
    "etag.required": ('Send If-Match with the ETag you last read (e.g. If-Match: "3").',
                      '最後に読んだ ETag を If-Match で送ってください（例: If-Match: "3"）。'),
    "etag.malformed": ("If-Match does not name a version of this resource.",
                       "If-Match の値がこのデータの版を表していません。"),
    "etag.stale": ("The resource is at version {current}; you sent {expected}. Re-read it.",
                   "このデータは版 {current} に更新されています（送られた版は {expected}）。読み直してください。"),
    "idempotency.reused": ("This Idempotency-Key was used with a different request body.",
                           "この Idempotency-Key は別の内容のリクエストで使われています。"),
    "idempotency.in_progress": ("The first request with this key is still being processed.",
                                "同じキーの最初のリクエストをまだ処理しています。"),
    "cursor.invalid": ("The cursor is not valid; start again without it.",
                       "cursor が正しくありません。cursor なしで最初から取得し直してください。"),
    "cursor.foreign": ("The cursor does not belong to this list.", "この cursor は別の一覧のものです。"),
    "time.offset_required": ("{name} needs a UTC offset, e.g. 2010-07-21T14:00:00+09:00.",
                             "{name} には UTC からの時差を付けてください（例: 2010-07-21T14:00:00+09:00）。"),
    "time.range_reversed": ("from must be before to.", "from は to より前にしてください。"),
    # ---- authentication
    "auth.token_required": ("Send an access token: Authorization: Bearer <token>.",
                            "アクセストークンを送ってください（Authorization: Bearer <token>）。"),
    "auth.token_invalid": ("The access token is not valid.", "アクセストークンが無効です。"),
    "auth.metrics_token": ("The metrics need `Authorization: Bearer <METRICS_TOKEN>`.",
                           "メトリクスには `Authorization: Bearer <METRICS_TOKEN>` が必要です。"),
    "auth.grant_needs": ("The {grant} grant needs {fields}.", "{grant} グラントには {fields} が必要です。"),
    "auth.grant_unsupported": ("Unsupported grant_type {grant}; use one of: {allowed}.",
                               "grant_type {grant} には対応していません。使えるのは {allowed} です。"),
    "auth.bad_password": ("The username or password is wrong, or the account is disabled.",
                          "ユーザー名かパスワードが違うか、アカウントが無効です。"),
    "auth.bad_client": ("The client id or secret is wrong, or the client is disabled.",
                        "クライアント ID かシークレットが違うか、クライアントが無効です。"),
    "auth.machine_grant_only": ("A machine client logs in with the client_credentials grant only.",
                                "システム連携クライアントは client_credentials グラントでのみログインできます。"),
    "auth.scope_unknown": ("Unknown scope(s): {scopes}. Access follows the account's role; send no scope.",
                           "不明なスコープです: {scopes}。"
                           "権限はアカウントのロールで決まるため、scope は送らないでください。"),
    "auth.refresh_invalid": ("The refresh token is not valid.", "リフレッシュトークンが無効です。"),
    "auth.account_disabled": ("The account is disabled.", "アカウントが無効になっています。"),
    "auth.throttled": ("Too many failed logins; wait before trying again.",
                       "ログインの失敗が多すぎます。しばらく待ってからもう一度お試しください。"),
    "auth.password_grant_off": ("The password grant is turned off: sign in through /v1/auth/authorize "
                                "(authorization code with PKCE).",
                                "パスワードグラントは無効です。/v1/auth/authorize（PKCE 付き認可コード）から"
                                "サインインしてください。"),
    "auth.code_invalid": ("The authorization code is not valid.", "認可コードが無効です。"),
    "auth.app_bad_secret": ("The client id or secret is wrong.", "クライアント ID かシークレットが違います。"),
    "auth.credentials_missing": ("Enter the username and the password.", "ユーザー名とパスワードを入力してください。"),
    # ---- the second factor (TOTP, recovery codes)
    "mfa.already_enrolled": ("A second factor is already enrolled.", "二要素認証はすでに登録されています。"),
    "mfa.nothing_pending": ("There is no second factor waiting for confirmation.",
                            "確認待ちの二要素認証はありません。"),
    "mfa.code_wrong": ("The code is wrong or was used already.", "コードが違うか、すでに使われています。"),
    "mfa.not_enrolled": ("No second factor is enrolled.", "二要素認証が登録されていません。"),
    # ---- access
    "forbidden.action": ("You may not {action}.", "{action}権限がありません。"),
    "forbidden.route": ("The {role} role may not use this operation.", "{role}のロールではこの操作を使えません。"),
    "role.admin": ("admin", "管理者"),
    "role.supervisor": ("supervisor", "係長"),
    "role.caseworker": ("caseworker", "ケースワーカー"),
    "role.mental_care_worker": ("mental_care_worker", "メンタルケア支援員"),
    "role.public_health_nurse": ("public_health_nurse", "保健師"),
    "role.coordinator": ("coordinator", "コーディネーター"),
    "role.peer_supporter": ("peer_supporter", "ピアサポーター"),
    "role.partner": ("partner", "連携機関"),
    "role.secretariat": ("secretariat", "部会事務局"),
    "role.analyst": ("analyst", "統計担当"),
    "role.auditor": ("auditor", "監査担当"),
    "forbidden.referral_side": ("Only the {side} agency may {action} a referral.",
                                "紹介の {action} は{side}機関だけが行えます。"),
    "side.sending": ("sending", "紹介元の"),
    "side.receiving": ("receiving", "紹介先の"),
    "forbidden.peer_activity": ("Peer supporters record peer-support activities only.",
                                "ピアサポーターが記録できるのはピアサポートの活動だけです。"),
    "forbidden.other_worker_day": ("Only supervisors may look at another worker's day.",
                                   "ほかの職員の予定を見られるのは係長だけです。"),
    "forbidden.partner_own_listings": ("A partner may edit only its own agency's listings.",
                                       "連携機関が編集できるのは自機関の掲載情報だけです。"),
    "forbidden.partner_own_vacancies": ("A partner may update only its own agency's vacancies.",
                                        "連携機関が更新できるのは自機関の空き状況だけです。"),
    "forbidden.partner_own_webhooks": ("A partner subscribes for its own agency only.",
                                       "連携機関が登録できるのは自機関向けの通知だけです。"),
    # Action labels: "You may not <label>." / "<label>権限がありません。" (api.domain.access_rules).
    "action.client.create": ("register clients", "ご本人を登録する"),
    "action.client.update": ("change this client's record", "このご本人の記録を変更する"),
    "action.client.deactivate": ("deactivate this client", "このご本人の記録を無効にする"),
    "action.consent.record": ("record the client's consent", "ご本人の同意を記録する"),
    "action.consent.withdraw": ("record the withdrawal of a consent", "同意の撤回を記録する"),
    "action.care_team.manage": ("change this client's care team", "このご本人の支援チームを変更する"),
    "action.episode.propose": ("propose a support episode", "支援を提案する"),
    "action.episode.decide": ("record a support-meeting decision on this episode",
                              "この支援の支援会議決定を記録する"),
    "action.episode.hold": ("put this episode on hold or resume it", "この支援を中断・再開する"),
    "action.episode.cancel": ("cancel this episode", "この支援を取り消す"),
    "action.goal.write": ("write goals for this episode", "この支援の目標を書く"),
    "action.activity.record": ("record support activities", "支援記録を書く"),
    "action.client.access_log": ("read this client's access history", "このご本人の閲覧履歴を見る"),
    "action.referral.send": ("send or cancel referrals", "紹介・依頼を送る・取り消す"),
    "action.referral.answer": ("answer referrals", "紹介・依頼に応答する"),
    "action.programme.manage": ("manage programmes", "事業を管理する"),
    "action.client.list": ("list clients, episodes or activities", "ご本人・支援・支援記録の一覧を見る"),
    "action.statistics.read": ("read statistics", "統計を見る"),
    "action.records.export": ("export client records", "ご本人の記録を書き出す"),
    "action.referrals.export": ("export referrals", "紹介・依頼を書き出す"),
    "action.meetings.export": ("export meetings", "会議の記録を書き出す"),
    "action.changes.read": ("read the change feed", "変更フィードを見る"),
    "action.listing.edit": ("edit directory listings", "社会資源の掲載情報を編集する"),
    "action.vacancy.update": ("update vacancies", "空き状況を更新する"),
    "action.capacity.edit": ("update vacancies", "空き状況を更新する"),
    "action.activity.worker_day": ("look at a worker's day", "職員の一日の記録を見る"),
    "action.identity.manage": ("manage agencies, users and machine clients",
                               "機関・利用者アカウント・連携システムを管理する"),
    "action.audit.read": ("read the audit trail", "監査記録を見る"),
    "action.meeting.manage": ("manage council meetings", "部会の会議を管理する"),
    "action.meeting.closed_item_read": ("read closed agenda items", "非公開の議題を見る"),
    "action.webhook.manage": ("manage webhook subscriptions", "Webhookの購読を管理する"),
    "action.listing.read_withdrawn": ("read a withdrawn listing", "掲載を取り下げた社会資源を見る"),
    "action.statistics.workload_per_worker": ("read workload per named worker", "職員ごとの業務量を見る"),
    "action.import.run": ("import records from spreadsheets", "表計算ファイルから記録を取り込む"),
    "action.client.disclose": ("produce the client's disclosure package", "ご本人の開示書を作成する"),
    "action.correction.request": ("record or read correction requests", "訂正請求を記録・閲覧する"),
    "action.correction.decide": ("decide correction requests", "訂正請求を決定する"),
    "action.retention.preview": ("see which records the retention schedule will erase",
                                 "保存期間を過ぎた記録の一覧を見る"),
    "action.emergency_access.open": ("open emergency access to a client", "緊急時の閲覧を開始する"),
    "action.emergency_access.review": ("review emergency accesses", "緊急時の閲覧を確認する"),
    "action.directory.agencies": ("read the agency directory", "機関の一覧を見る"),
    "action.directory.users": ("read the staff directory", "職員の一覧を見る"),
    "forbidden.own_agency": ("A {role} may do this only for its own agency.",
                             "{role}は自分の機関についてのみこの操作ができます。"),
    # ---- records in general
    "not_found": ("No such {what}.", "該当する{what}はありません。"),
    "record.id_taken": ("This id cannot be used; choose another id.",
                        "この id は使えません。別の id を指定してください。"),
    "record.code_taken": ("The {what} {value} is taken.", "{what} {value} はすでに使われています。"),
    "field.cannot_be_null": ("{field} cannot be emptied.", "{field} は空にできません。"),
    "field.null": ("cannot be null", "空にはできません"),
    "field.required": ("required", "必須です"),
    "field.not_used": ("not used by {action}", "{action} では使いません"),
    "field.unknown_reference": ("No such {what}.", "該当する{what}はありません。"),
    "field.unknown_among": ("Unknown {what} among {field}.", "{field} に存在しない{what}が含まれています。"),
    "field.unknown_codes": ("Unknown {what}: {codes}.", "存在しない{what}です: {codes}。"),
    "what.agency": ("agency", "機関"),
    "what.branch": ("branch", "総合支所"),
    "what.branch_area": ("branch area", "地域（総合支所）"),
    "what.programme": ("programme", "事業"),
    "what.user": ("user", "ユーザー"),
    "what.api_client": ("API client", "API クライアント"),
    "what.oauth_client": ("sign-in app (OAuth client)", "サインイン用アプリ（OAuth クライアント）"),
    "what.client": ("client", "ご本人"),
    "what.episode": ("episode", "支援"),
    "what.referral": ("referral", "紹介・依頼"),
    "what.consent": ("consent", "同意"),
    "what.care_team_member": ("care-team membership", "支援チームの登録"),
    "what.goal": ("goal", "目標"),
    "what.activity": ("activity", "支援記録"),
    "what.service": ("service", "サービス"),
    "what.audit_event": ("audit event", "監査記録"),
    "what.emergency_access": ("emergency access", "緊急時の閲覧"),
    "what.import": ("import", "取り込み"),
    "what.correction_request": ("correction request", "訂正請求"),
    "what.capacity": ("capacity", "空き状況"),
    "what.location": ("location", "所在地"),
    "what.council": ("council", "協議会"),
    "what.subcommittee": ("subcommittee", "部会"),
    "what.meeting": ("meeting", "会議"),
    "what.agenda_item": ("agenda item", "議題"),
    "what.notice_subscription": ("notice subscription", "開催案内の送付先"),
    "what.webhook_subscription": ("webhook subscription", "Webhook 登録"),
    "what.webhook_delivery": ("webhook delivery", "Webhook 配信"),
    "what.record": ("record", "記録"),
    "what.message": ("message", "メッセージ"),
    "what.coded_list": ("coded list {name}; see GET /v1/reference", "コード表 {name}（GET /v1/reference を参照）"),
    "what.export": ("export called {name}; try: {allowed}", "書き出し {name}（使えるもの: {allowed}）"),
    "what.stats_snapshot": ("statistics snapshot", "統計スナップショット"),
    "what.audit_checkpoint": ("audit checkpoint", "監査チェックポイント"),
    "what.agency_code": ("agency code", "機関コード"),
    "what.username": ("username", "ユーザー名"),
    "what.client_id": ("client id", "クライアント ID"),
    "what.programme_code": ("programme code", "事業コード"),
    # ---- clients, consents, care team
    "client.unknown_branch": ("Unknown branch {code}; choose one of: {allowed}.",
                              "総合支所 {code} はありません。次から選んでください: {allowed}。"),
    "client.not_hospital": ("hospital_agency_id is not a psychiatric hospital.",
                            "hospital_agency_id が精神科病院ではありません。"),
    "client.not_caseworker": ("caseworker_id is not a caseworker.", "caseworker_id がケースワーカーではありません。"),
    "client.possible_duplicate": ("A client with the same kana and date of birth exists. If this is a different "
                                  "person, send the request again with confirm_not_duplicate=true.",
                                  "同じよみがなと生年月日のご本人がすでに登録されています。別の方であれば "
                                  "confirm_not_duplicate=true を付けて送り直してください。"),
    "client.hospital_required": ("hospital_agency_id is required while the client is an inpatient.",
                                 "入院中のご本人には hospital_agency_id が必要です。"),
    "client.already_deactivated": ("The client is already deactivated.", "このご本人の記録はすでに無効です。"),
    "client.deactivated": ("The client is deactivated.", "このご本人の記録は無効になっています。"),
    "client.kana": ("kana must be written in katakana or hiragana", "よみがなはカタカナかひらがなで書いてください"),
    "client.birth_in_future": ("date_of_birth is in the future", "生年月日が未来の日付です"),
    "consent.withdrawn": ("This consent was already withdrawn.", "この同意はすでに撤回されています。"),
    "consent.witness": ("a verbal consent needs the witness's name", "口頭の同意には立会人の名前が必要です"),
    "consent.expiry_before_given": ("expires_on is before given_on", "expires_on が given_on より前です"),
    "consent.scope": ("name the agencies, agency types or programmes the consent covers",
                      "同意の対象となる機関・機関種別・事業を指定してください"),
    "care_team.not_staff": ("user_id must be an active staff member who works with clients.",
                            "user_id には、ご本人の支援にあたる有効な職員を指定してください。"),
    "care_team.not_staff.field": ("not a care-team role", "支援チームに入れないロールです"),
    "dates.reversed": ("{later} is before {earlier}.", "{later} が {earlier} より前です。"),
    "care_team.overlap": ("This person is already on the client's care team for that period.",
                          "この職員はその期間すでに支援チームに入っています。"),
    # ---- episodes, goals, activities
    "episode.unknown_programme": ("Unknown or inactive programme {code}; choose one of: {allowed}.",
                                  "事業 {code} は存在しないか終了しています。次から選んでください: {allowed}。"),
    "episode.choose_agency": ("Programme {programme} is run by several agencies; name operating_agency_id, "
                              "one of: {allowed}.",
                              "事業 {programme} は複数の機関が運営しています。"
                              "operating_agency_id を次から選んでください: {allowed}。"),
    "episode.agency_not_operating": ("operating_agency_id does not run programme {programme}; choose one of: "
                                     "{allowed}.",
                                     "operating_agency_id は事業 {programme} を運営していません。次から選んでください: "
                                     "{allowed}。"),
    "episode.unknown_lead": ("Unknown lead worker.", "担当職員 lead_worker_id が見つかりません。"),
    "episode.open_exists": ("The client already has an open episode in this programme.",
                            "このご本人にはこの事業の進行中の支援がすでにあります。"),
    "episode.consent_needed": ("Starting needs the client's active consent to enrolment in {programme} "
                               "(purpose programme_enrolment, covering the programme or its operating agency).",
                               "開始には、事業 {programme} への参加についてのご本人の有効な同意"
                               "（目的 programme_enrolment、事業または運営機関を対象とするもの）が必要です。"),
    "episode.needs": ("{action} needs: {fields}.", "{action} には次が必要です: {fields}。"),
    "episode.later_end": ("a planned end later than the current one", "現在より後の終了予定日"),
    "episode.closed_for_goals": ("The episode is closed; goals can no longer be added.",
                                 "この支援は終了しているため、目標を追加できません。"),
    "episode.cancelled": ("The episode was cancelled.", "この支援は取り消されています。"),
    "episode.planned_end_before_start": ("planned end is before the start", "終了予定日が開始日より前です"),
    "activity.offset": ("occurred_at needs a UTC offset", "occurred_at には UTC からの時差を付けてください"),
    "activity.purpose_needed": ("an accompaniment needs its purpose", "同行支援には目的（purpose）が必要です"),
    "activity.purpose_only_accompaniment": ("purpose is only for accompaniments", "purpose は同行支援にだけ使います"),
    "activity.off_hours_phone_only": ("off_hours marks phone consultations taken off duty",
                                      "off_hours は勤務時間外の電話相談にだけ付けます"),
    "transition.illegal": ("Cannot {action} from status {current}; allowed now: {allowed}.",
                           "状態 {current} からは {action} できません。いま行えるのは {allowed} です。"),
    "transition.retry_dead_only": ("Only a dead-lettered delivery can be retried; this one is {status}.",
                                   "再送できるのは配信を諦めた（dead）ものだけです。この配信は {status} です。"),
    # ---- referrals
    "referral.onward_needs_received": ("An onward referral continues a referral addressed to your agency.",
                                       "再紹介は自機関あての紹介を引き継ぐものに限られます。"),
    "referral.accept_first": ("Accept the referral before referring the client on.",
                              "再紹介の前に、元の紹介を受諾してください。"),
    "referral.onward_shares_more": ("An onward referral shares only what it received; not shared with you: {fields}.",
                                    "再紹介で共有できるのは受け取った項目だけです。共有されていない項目: {fields}。"),
    "referral.onward_no_episode": ("An onward referral does not name an episode.",
                                   "再紹介では支援（episode）を指定しません。"),
    "referral.unknown_episode": ("No such episode of this client.", "このご本人の支援にそのようなものはありません。"),
    "referral.unknown_agency": ("Unknown or inactive agency.", "機関が存在しないか無効です。"),
    "referral.same_agency": ("A referral goes to another agency.", "紹介・依頼の宛先はほかの機関にしてください。"),
    "referral.not_open_service": ("Not an open service of the receiving agency.",
                                  "紹介先機関の受付中のサービスではありません。"),
    "referral.business_status_receiver": ("Only the receiving agency keeps a business status.",
                                          "業務上の状況（business_status）を記録できるのは紹介先機関だけです。"),
    "referral.reason_required": ("A reason is required to {action} a referral.",
                                 "紹介の {action} には理由が必要です。"),
    "referral.consent_missing": ("No active consent of the client covers this referral: {missing}.",
                                 "この紹介を対象とするご本人の有効な同意がありません: {missing}。"),
    "referral.parent_closed": ("The referral this one continues is no longer accepted or in progress.",
                               "引き継ぐ元の紹介は、もう受諾中でも対応中でもありません。"),
    "referral.client_or_parent": ("name client_id for a new referral, or part_of (and no client_id) for an "
                                  "onward one",
                                  "新しい紹介なら client_id を、再紹介なら part_of を"
                                  "（client_id なしで）指定してください"),
    "referral.needs_summary_pair": ("needs_summary text and the needs_summary shared field go together",
                                    "needs_summary の本文と共有項目 needs_summary は一緒に指定してください"),
    # ---- admin: agencies, users, machine clients, programmes
    "agency.own_ancestor": ("An agency cannot be its own parent or ancestor.",
                            "機関を自分自身の親や祖先にはできません。"),
    "agency.too_deep": ("The agency hierarchy is too deep.", "機関の階層が深すぎます。"),
    "user.self_lockout": ("You cannot deactivate your own account or take away your own admin role.",
                          "自分のアカウントを無効にしたり、自分の管理者ロールを外したりはできません。"),
    "identity.cannot_be_null": ("{fields} cannot be null", "{fields} は空にできません"),
    "identity.send_something": ("send at least one field to change", "変更する項目を一つ以上送ってください"),
    "identity.machine_role": ("a machine client's role is one of {roles}",
                              "システム連携クライアントのロールは {roles} のいずれかです"),
    "identity.redirect_uri_refused": ("{uri}: {reason}", "{uri}: {reason}（登録できません）"),
    "identity.redirect_uri_twice": ("redirect URIs are listed twice", "同じリダイレクト URI が二度指定されています"),
    "redirect_uri.not_absolute": ("not an absolute URI", "絶対 URI ではありません"),
    "redirect_uri.fragment": ("a redirect URI has no fragment (RFC 6749 §3.1.2)",
                              "リダイレクト URI にフラグメントは付けられません（RFC 6749 §3.1.2）"),
    "redirect_uri.https_host": ("an https redirect URI needs a host", "https のリダイレクト URI にはホストが必要です"),
    "redirect_uri.plain_http": ("plain http only for the loopback addresses 127.0.0.1 and [::1] (RFC 8252 §7.3, §8.3)",
                                "http はループバックアドレス 127.0.0.1 と [::1] に限ります（RFC 8252 §7.3、§8.3）"),
    "redirect_uri.scheme": ("the scheme must be https, loopback http, or a reverse-domain private-use scheme "
                            "(RFC 8252 §7.1)",
                            "スキームは https、ループバックの http、または逆ドメイン形式の独自スキームに限ります"
                            "（RFC 8252 §7.1）"),
    "programme.unknown_agencies": ("operating_agency_ids names unknown agencies.",
                                   "operating_agency_ids に存在しない機関が含まれています。"),
    # ---- resources
    "resource.unknown_location": ("No such location of the service's agency.",
                                  "サービスの運営機関にその所在地はありません。"),
    "resource.ages_reversed": ("min_age is above max_age", "min_age が max_age を上回っています"),
    "resource.available_above_max": ("available is above maximum.", "available が maximum を上回っています。"),
    "resource.lat_lon_together": ("Send latitude and longitude together.", "緯度と経度は一緒に送ってください。"),
    "resource.near_together": ("Send near_lat and near_lon together.", "near_lat と near_lon は一緒に送ってください。"),
    "resource.kana": ("the reading must be kana (katakana, hiragana or half-width katakana)",
                      "よみはかな（カタカナ・ひらがな・半角カタカナ）で書いてください"),
    # ---- meetings, agenda, councils
    "meeting.closed": ("The meeting is {status}; its {what} can no longer change.",
                       "会議は {status} のため、{what}は変更できません。"),
    "meeting.part.agenda": ("agenda", "議題"),
    "meeting.part.details": ("details", "内容"),
    "meeting.part.attendance": ("attendance", "出席"),
    "meeting.ends_before_start": ("ends_at must be after starts_at.", "ends_at は starts_at より後にしてください。"),
    "meeting.venue_required": ("Give venue_ja: the subcommittee has no usual venue.",
                               "部会にいつもの会場がないため、venue_ja を指定してください。"),
    "meeting.sequence_taken": ("Meeting {sequence} of fiscal year {fy} already exists.",
                               "{fy} 年度の第 {sequence} 回会議はすでにあります。"),
    "meeting.held_before_start": ("A meeting cannot be recorded as held before it starts.",
                                  "開始前の会議を開催済みにはできません。"),
    "agenda.unknown_presenter_agency": ("A presenter names an unknown agency.", "発表者の所属機関が存在しません。"),
    "agenda.too_many": ("A meeting has at most {max} agenda items.", "一つの会議の議題は {max} 件までです。"),
    "agenda.not_permutation": ("item_ids must list every agenda item of the meeting exactly once.",
                               "item_ids には会議のすべての議題をちょうど一回ずつ並べてください。"),
    "agenda.not_permutation.field": ("not the meeting's items, once each",
                                     "会議の議題を一回ずつ並べたものではありません"),
    "council.notice_exists": ("This agency already receives this subcommittee's notices.",
                              "この機関はすでにこの部会の開催案内を受け取っています。"),
    # ---- webhooks
    "webhook.agency_required": ("Name the agency the subscription is for (agency_id).",
                                "通知を受け取る機関（agency_id）を指定してください。"),
    "webhook.url_absolute": ("must be an absolute http:// or https:// URL",
                             "http:// か https:// で始まる絶対 URL にしてください"),
    "webhook.url_credentials": ("must not carry a user name or password", "ユーザー名やパスワードを含めないでください"),
    "webhook.url_port": ("has a port that is not a number from 0 to 65535", "ポート番号が0〜65535の数ではありません"),
    "webhook.public_only": ("Webhooks are delivered to public internet addresses only.",
                            "Webhookはインターネット上の公開アドレスにだけ送信できます。"),
    "webhook.host_refused": ("the host {reason}", "送信先のホストは使えません: {reason}"),
    "webhook.url_fragment": ("must not have a #fragment", "#フラグメントを含めないでください"),
    # ---- imports, emergency access, corrections
    "import.file": ("The file cannot be imported: {reason}", "このファイルは取り込めません: {reason}"),
    "import.mapping_object": ("mapping must be a JSON object of column header → field.",
                              "mapping は「列見出し → 項目」のJSONオブジェクトで指定してください。"),
    "import.mapping_too_long": ("mapping names at most {limit} columns.", "mapping に書ける列は{limit}列までです。"),
    "import.client_unnamed": ("Name the client: client_id, or client_kana with client_date_of_birth.",
                              "利用者IDか、利用者フリガナと利用者生年月日を記入してください。"),
    "import.client_not_found": ("No client you may see has this kana and date of birth.",
                                "このフリガナと生年月日の利用者は、閲覧できる範囲にいません。"),
    "import.client_ambiguous": ("Two clients have this kana and date of birth: give client_id.",
                                "同じフリガナと生年月日の利用者が複数います。利用者IDを記入してください。"),
    "import.episode_not_found": ("The client has no open episode you may see {programme}.",
                                 "閲覧できる利用中の支援がありません {programme}。"),
    "import.episode_ambiguous": ("The client has several open episodes: give episode_id or programme_code.",
                                 "利用中の支援が複数あります。支援IDか事業を記入してください。"),
    "emergency.no_single_match": ("No single client matches: give the client's id, or kana and date of birth.",
                                  "一人に特定できません。利用者ID、またはフリガナと生年月日を指定してください。"),
    "emergency.already_visible": ("You already see this client: open the record as usual.",
                                  "この方の記録は既に閲覧できます。通常どおり開いてください。"),
    "emergency.own_review": ("Nobody reviews their own emergency access.", "自分の緊急時閲覧は確認できません。"),
    "correction.not_correctable": ("{field} cannot be corrected this way; correctable: {choices}.",
                                   "{field}はこの方法では訂正できません。訂正できる項目: {choices}"),
    "correction.invalid_value": ("The requested value is not a valid {field}.",
                                 "請求された値は{field}として正しくありません。"),
    "correction.already_decided": ("The request was already {status}.", "この請求は既に決定済みです（{status}）。"),
    # ---- the audit log
    "audit.no_checkpoint": ("The audit log has no checkpoint yet.", "監査ログにはまだチェックポイントがありません。"),
    "audit.no_checkpoint_of_size": ("No checkpoint of tree size {size}.",
                                    "木のサイズ{size}のチェックポイントはありません。"),
    "audit.consistency_range": ("Need 0 < first <= second.", "0 < first <= second となるように指定してください。"),
    "audit.not_sealed_yet": ("The event is not sealed into the log yet; retry in a few seconds.",
                             "この記録はまだログに封印されていません。数秒後にもう一度お試しください。"),
    "audit.after_checkpoint": ("The event is at position {position}, after that checkpoint.",
                               "この記録は位置{position}にあり、そのチェックポイントより後です。"),
    # ---- statistics
    "stats.release_pending": ("These figures are being computed for the first time; try again shortly.",
                              "この統計は初めて集計しているところです。しばらくしてから再度お試しください。"),
    "stats.years_reversed": ("fiscal_year_from is after fiscal_year_to.",
                             "fiscal_year_from が fiscal_year_to より後です。"),
    "stats.years_range": ("Fiscal years run from {first} to the current one ({current}).",
                          "年度は {first} から今年度（{current}）までです。"),
    "stats.years_max": ("At most {max} fiscal years per request.", "一度に指定できる年度は {max} 年度までです。"),
    "stats.unknown_programme": ("Unknown programme {code}: filter by a whole programme code, one of: {allowed}.",
                                "事業 {code} はありません。事業コード全体で絞り込んでください（{allowed}）。"),
    "stats.unknown_branch": ("Unknown branch {code}: filter by a whole branch code, one of: {allowed}.",
                             "総合支所 {code} はありません。総合支所コード全体で絞り込んでください（{allowed}）。"),
    # --- issue 18: what the council reports (item 9) ---
    "what.programme_contract": ("programme contract", "事業の委託契約"),
    "contract.period_reversed": ("ends_on is before starts_on.", "終了日が開始日より前です。"),
    "contract.unknown_agency": ("agency_id names an unknown agency.", "agency_id の機関が見つかりません。"),
    "what.minutes_entry": ("minutes entry", "議事録の発言"),
    "meeting.part.discussion": ("questions, answers and remarks", "質疑・発言"),
    "minutes.item_elsewhere": ("agenda_item_id is not an item of this meeting.",
                               "agenda_item_id はこの会議の議題ではありません。"),
    "minutes.answers_not_question": ("answers_id must name a question of this meeting, and only an answer has one.",
                                     "answers_id にはこの会議の質問を指定します（回答のみ指定できます）。"),
    "minutes.attendance_repeated": ("Each (inside_ward, agency_type) group may appear once.",
                                    "同じ区内外・機関種別の組み合わせは一度だけ指定できます。"),
    # ---- shared input rules
    "input.control_character": ("Control characters (other than tab and line breaks) are not allowed.",
                                "制御文字（タブと改行を除く）は使えません。"),
    # --- issue 18: households, refusals, service use and risk ---
    "action.household.read": ("read the client's related persons", "ご本人の家族・世帯の情報を見る"),
    "action.household.write": ("record the client's related persons", "ご本人の家族・世帯の情報を記録する"),
    "action.refusal.read": ("read the client's refusals", "ご本人が拒否している関わりを見る"),
    "action.refusal.record": ("record the client's refusals", "ご本人が拒否している関わりを記録する"),
    "action.service_use.read": ("read the services the client uses", "ご本人の利用サービスを見る"),
    "action.service_use.write": ("record the services the client uses", "ご本人の利用サービスを記録する"),
    "action.risk_flag.read": ("read the client's risk flags", "ご本人のリスク情報を見る"),
    "action.risk_flag.write": ("record the client's risk flags", "ご本人のリスク情報を記録する"),
    "what.related_person": ("related person", "家族・関係者"),
    "what.related_person_link": ("link to a client record", "ご本人記録へのつながり"),
    "what.refusal": ("refusal", "拒否の記録"),
    "what.service_use": ("service use", "利用サービス"),
    "what.risk_flag": ("risk flag", "リスク情報"),
    "household.link_self": ("A client cannot be their own related person.",
                            "ご本人を自分自身の家族・関係者にはできません。"),
    "household.link_taken": ("This related person is already linked to a client record: unlink it first.",
                             "この家族・関係者は既にご本人記録とつながっています。先につながりを外してください。"),
    "refusal.one_target": ("Name exactly one of team_role and agency_id.",
                           "team_role と agency_id のどちらか一方だけを指定してください。"),
    "refusal.in_future": ("refused_on cannot be in the future.", "refused_on に未来の日付は指定できません。"),
    "refusal.unknown_agency": ("No such agency.", "該当する機関がありません。"),
    "refusal.already_ended": ("This refusal already ended on {ended_on}.", "この拒否は {ended_on} に終了しています。"),
    "refusal.ended_before": ("ended_on is before refused_on ({refused_on}).",
                             "ended_on が refused_on（{refused_on}）より前です。"),
    "refusal.recorded": ("The client refused {target} (recorded {refused_on}, source: {source}); to go ahead, "
                         "give refusal_override_reason.",
                         "ご本人は{target}を拒否しています（{refused_on} 記録、情報源: {source}）。"
                         "進める場合は refusal_override_reason に理由を記入してください。"),
    "refusal.recorded_agency": ("The client refused {target}; to go ahead, give refusal_override_reason.",
                                "ご本人は{target}を拒否しています。進める場合は refusal_override_reason に"
                                "理由を記入してください。"),
    "refusal.target_role": ("the profession {role}", "{role}の関わり"),
    "refusal.target_agency": ("the agency {agency}", "機関「{agency}」"),
    "service_use.ended_before_started": ("ended_on is before started_on.", "ended_on が started_on より前です。"),
    "service_use.unknown_service": ("No such listing in the resource directory.",
                                    "社会資源の一覧にそのサービスはありません。"),
    "service_use.provider_required": ("Give service_id (a directory listing) or provider_name.",
                                      "service_id（社会資源の一覧）か provider_name を指定してください。"),
    "risk_flag.resolution": ("resolved_on and resolution go together.",
                             "resolved_on と resolution は両方指定してください。"),
    "risk_flag.review_before_raised": ("review_on is before raised_on ({raised_on}).",
                                       "review_on が raised_on（{raised_on}）より前です。"),
    "risk_flag.resolved_before_raised": ("resolved_on is before raised_on ({raised_on}).",
                                         "resolved_on が raised_on（{raised_on}）より前です。"),
    # ---- issue 18: referral to a full service, support plans
    "referral.no_vacancy": ("The service has no free place now (available {available}, waiting list {waitlist}); "
                            "send the request again with confirm_no_vacancy=true to refer anyway.",
                            "このサービスには現在空きがありません（空き {available}、待機 {waitlist}）。"
                            "それでも紹介する場合は confirm_no_vacancy=true を付けて送り直してください。"),
    "action.support_plan.write": ("write this episode's support plan", "この支援の支援方針を書く"),
    "action.support_plan.acknowledge": ("acknowledge a support plan", "支援方針の確認を記録する"),
    "what.support_plan": ("support plan", "支援方針"),
    "support_plan.published": ("Version {number} is published and can no longer change; draft a new version.",
                               "第{number}版は公開済みのため変更できません。新しい版を作成してください。"),
    "support_plan.draft_exists": ("Version {number} is still a draft: edit or publish it first.",
                                  "第{number}版がまだ下書きです。先に編集するか公開してください。"),
    "support_plan.not_current": ("Only the current version ({number}) can be acknowledged.",
                                 "確認できるのは現在の版（第{number}版）だけです。"),
    "support_plan.not_on_team": ("Only current members of the client's care team acknowledge its support plan.",
                                 "支援方針の確認は、ご本人の支援チームの現メンバーが行います。"),
    "support_plan.assignee_not_on_team": ("{user_id} is not a current member of the client's care team.",
                                          "{user_id} はご本人の支援チームの現メンバーではありません。"),
    "support_plan.none_published": ("No version of this episode's support plan has been published yet.",
                                    "この支援の支援方針はまだ公開されていません。"),
    "support_plan.episode_closed": ("The episode has ended: its support plan no longer changes.",
                                    "この支援は終了しているため、支援方針は変更できません。"),
    # --- issue 18: schedules (item 1) and ending support (item 8) ---
    "action.schedule.read": ("read another worker's schedule", "他の職員の勤務予定を見る"),
    "action.schedule.manage": ("set workers' working patterns and leave", "職員の勤務パターンと休暇を設定する"),
    "what.worker": ("worker", "職員"),
    "what.work_pattern": ("working pattern", "勤務パターン"),
    "schedule.weekdays": ("Weekdays are ISO numbers 1 (Monday) to 7 (Sunday), each at most once.",
                          "曜日は 1（月）〜7（日）の番号で、重複なく指定してください。"),
    "schedule.period_reversed": ("The period ends before it begins.", "期間の終わりが始まりより前です。"),
    "schedule.range": ("A schedule covers 1 to {max} days: `to` must not be before `from`.",
                       "勤務予定は 1〜{max} 日分です。to は from より前にできません。"),
    "schedule.branch_not_workers": ("The worker does not work for branch office {code} (its branches: {allowed}).",
                                    "この職員は{code}の担当ではありません（担当: {allowed}）。"),
    "schedule.overlap": ("This pattern overlaps pattern {other} on the same weekdays: end that one first.",
                         "同じ曜日に勤務パターン {other} と重なっています。先にそちらを終了してください。"),
    "schedule.over_capacity": (
        "{date}: the worker already has {visits} of {capacity} visits booked. Send confirm_over_capacity: true "
        "to book it anyway.",
        "{date}：この職員はすでに訪問{visits}件（上限{capacity}件）が入っています。それでも登録するには "
        "confirm_over_capacity: true を指定してください。"),
    "schedule.elsewhere": (
        "{date}: the worker is at branch office {at}, not {branch}. Send confirm_elsewhere: true to book it anyway.",
        "{date}：この職員は{at}の勤務日で、{branch}ではありません。それでも登録するには confirm_elsewhere: true "
        "を指定してください。"),
    "schedule.not_working": (
        "{date} is not one of the worker's working days. Send confirm_elsewhere: true to book it anyway.",
        "{date}はこの職員の勤務日ではありません。それでも登録するには confirm_elsewhere: true を指定してください。"),
    "schedule.on_leave": (
        "{date}: the worker is on leave. Send confirm_elsewhere: true to book it anyway.",
        "{date}：この職員は休暇中です。それでも登録するには confirm_elsewhere: true を指定してください。"),
    # --- issue 18: consultations without a client record, and intakes ---
    "action.advice_request.ask": ("ask a specialist for advice", "専門職に助言を求める"),
    "action.advice_request.answer": ("answer advice requests", "助言の依頼に回答する"),
    "action.advice_request.read": ("read advice requests", "助言の依頼を見る"),
    "action.staff_activity.record": ("record staff activities", "職員の活動を記録する"),
    "action.intake.record": ("record enquiries (intakes)", "相談受付を記録する"),
    "action.intake.read": ("read enquiries (intakes)", "相談受付を見る"),
    "action.intake.convert": ("register an enquiry's person as a client", "相談受付の方をご本人として登録する"),
    "forbidden.advice_not_yours": ("Only the specialist asked may answer this request.",
                                   "この依頼に回答できるのは、依頼された専門職だけです。"),
    "forbidden.staff_activity_not_yours": ("Only the worker who did it may change a staff activity.",
                                           "職員の活動記録を変更できるのは、記録した本人だけです。"),
    "what.advice_request": ("advice request", "助言の依頼"),
    "what.staff_activity": ("staff activity", "職員の活動記録"),
    "what.intake": ("enquiry (intake)", "相談受付"),
    "advice.not_specialist": ("Ask a mental-care worker or a public health nurse for advice.",
                              "助言は精神保健福祉士等の専門職か保健師に求めてください。"),
    "advice.not_open": ("The request was already answered.", "この依頼には既に回答があります。"),
    "advice.summary_without_client": ("client_summary describes a client: give client_id too.",
                                      "client_summary はご本人についての要約です。client_id も指定してください。"),
    "staff_activity.in_future": ("occurred_at is in the future.", "実施日時が未来になっています。"),
    "intake.something_known": ("Give at least a name or a description of the person.",
                               "氏名か、その方についての説明のどちらかを記入してください。"),
    "intake.birth_in_future": ("birth_date is in the future.", "生年月日が未来になっています。"),
    "intake.not_open.converted": ("The enquiry's person is already registered as a client: change the client record.",
                                  "この相談受付の方は既にご本人として登録済みです。ご本人の記録を変更してください。"),
    "intake.not_open.closed": ("The enquiry is closed: it can no longer be changed or registered.",
                               "この相談受付は終了しています。変更や登録はできません。"),
    "intake.missing_for_client": ("To register the person as a client, give: {fields}.",
                                  "ご本人として登録するには、次の項目を指定してください: {fields}"),
    "intake.approximate_birth_date": ("The enquiry's birth date is approximate: give the client's date_of_birth.",
                                      "相談受付の生年月日はおおよそです。date_of_birth を指定してください。"),
}


# pydantic's error types → Japanese field messages; `{...}` fields come from the error's ctx.
PYDANTIC_JA: Mapping[str, str] = {
    "missing": "必須の項目です",
    "extra_forbidden": "この項目は受け付けていません",
    "string_too_long": "{max_length} 文字以内にしてください",
    "string_too_short": "{min_length} 文字以上にしてください",
    "too_long": "{max_length} 件以内にしてください",
    "too_short": "{min_length} 件以上にしてください",
    "string_type": "文字列で指定してください",
    "string_pattern_mismatch": "形式が正しくありません（パターン {pattern}）",
    "string_unicode": "正しい Unicode 文字列ではありません",
    "int_type": "整数で指定してください",
    "int_parsing": "整数で指定してください",
    "int_from_float": "小数ではなく整数で指定してください",
    "int_parsing_size": "整数が大きすぎます",
    "float_type": "数値で指定してください",
    "float_parsing": "数値で指定してください",
    "finite_number": "有限の数値で指定してください",
    "decimal_type": "数値で指定してください",
    "decimal_parsing": "数値で指定してください",
    "decimal_max_digits": "数字は全部で {max_digits} 桁以内にしてください",
    "decimal_max_places": "小数点以下は {decimal_places} 桁以内にしてください",
    "decimal_whole_digits": "整数部は {whole_digits} 桁以内にしてください",
    "bool_type": "true か false で指定してください",
    "bool_parsing": "true か false で指定してください",
    "greater_than": "{gt} より大きい値にしてください",
    "greater_than_equal": "{ge} 以上にしてください",
    "less_than": "{lt} 未満にしてください",
    "less_than_equal": "{le} 以下にしてください",
    "multiple_of": "{multiple_of} の倍数にしてください",
    "literal_error": "次のいずれかにしてください: {expected}",
    "enum": "次のいずれかにしてください: {expected}",
    "uuid_type": "UUID で指定してください",
    "uuid_parsing": "UUID の形式で指定してください",
    "uuid_version": "UUID のバージョンが正しくありません",
    "date_type": "日付（YYYY-MM-DD）で指定してください",
    "date_parsing": "日付は YYYY-MM-DD の形式で指定してください",
    "date_from_datetime_parsing": "日付は YYYY-MM-DD の形式で指定してください",
    "date_from_datetime_inexact": "時刻を含まない日付にしてください",
    "date_past": "過去の日付にしてください",
    "date_future": "未来の日付にしてください",
    "datetime_type": "日時（ISO 8601）で指定してください",
    "datetime_parsing": "日時は ISO 8601 の形式（例: 2010-07-21T14:00:00+09:00）で指定してください",
    "datetime_from_date_parsing": "日時は ISO 8601 の形式（例: 2010-07-21T14:00:00+09:00）で指定してください",
    "datetime_object_invalid": "日時が正しくありません",
    "datetime_past": "過去の日時にしてください",
    "datetime_future": "未来の日時にしてください",
    "timezone_aware": "UTC からの時差（例: +09:00）を付けてください",
    "timezone_naive": "UTC からの時差を付けないでください",
    "time_type": "時刻（HH:MM）で指定してください",
    "time_parsing": "時刻は HH:MM の形式で指定してください",
    "time_delta_type": "期間で指定してください",
    "time_delta_parsing": "期間の形式が正しくありません",
    "json_invalid": "JSON として読み取れません",
    "json_type": "JSON の文字列で指定してください",
    "dict_type": "オブジェクトで指定してください",
    "model_type": "オブジェクトで指定してください",
    "model_attributes_type": "オブジェクトで指定してください",
    "dataclass_type": "オブジェクトで指定してください",
    "list_type": "配列で指定してください",
    "tuple_type": "配列で指定してください",
    "set_type": "重複のない配列で指定してください",
    "frozen_set_type": "重複のない配列で指定してください",
    "iterable_type": "配列で指定してください",
    "bytes_type": "バイト列で指定してください",
    "bytes_too_long": "{max_length} バイト以内にしてください",
    "bytes_too_short": "{min_length} バイト以上にしてください",
    "url_type": "URL で指定してください",
    "url_parsing": "URL の形式が正しくありません",
    "url_syntax_violation": "URL の形式が正しくありません",
    "url_too_long": "URL は {max_length} 文字以内にしてください",
    "url_scheme": "URL のスキームは {expected_schemes} のいずれかにしてください",
    "ip_v4_address": "IPv4 アドレスで指定してください",
    "ip_v6_address": "IPv6 アドレスで指定してください",
    "ip_any_address": "IP アドレスで指定してください",
    "value_error": "値が正しくありません",
    "assertion_error": "値が正しくありません",
    "union_tag_invalid": "種別 {tag} には対応していません（使えるもの: {expected_tags}）",
    "union_tag_not_found": "種別を示す {discriminator} が必要です",
    "none_required": "null にしてください",
    "frozen_field": "この項目は変更できません",
    "no_such_attribute": "この項目はありません",
    "is_instance_of": "値の型が正しくありません",
    "callable_type": "値の型が正しくありません",
}
_PYDANTIC_FALLBACK_JA = "入力内容が正しくありません（{code}）"
_FIELD = re.compile(r"{(\w+)}")


def field_message(error_type: str, english: str, ctx: Mapping[str, Any] | None, ja: bool) -> str:
    """The field message of one pydantic error in the caller's language."""
    context = {k: _param(v, ja) for k, v in (ctx or {}).items()}
    if error_type in CATALOGUE:
        return Msg(error_type, context).text(ja)
    if not ja:
        return english
    template = PYDANTIC_JA.get(error_type)
    if template is None:
        return _PYDANTIC_FALLBACK_JA.format(code=error_type)
    if any(name not in context for name in _FIELD.findall(template)):
        return _FIELD.sub("", template)
    return template.format_map(context)
