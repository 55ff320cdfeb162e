"""Reading the ward's spreadsheets: CSV (UTF-8 with or without BOM, or Shift_JIS as Excel in Japan
writes it) and XLSX, a header row, a mapping of columns to fields, and cells turned into the values
the API's own request models validate. Pure: no database, no HTTP.

What a row *means* (a client, a consent, an activity) is decided by the same request models and
services as the API's one-record routes; this module only gets the cells there and says, in
Japanese and English, which row and column went wrong."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal
from zoneinfo import ZoneInfo

from api.domain.codes import (
    ACCOMPANIMENT_PURPOSES,
    ACTIVITY_KINDS,
    CONSENT_PURPOSES,
    CONSENT_RECORDED_HOW,
    DATA_CATEGORIES,
    RESIDENCE_TYPES,
    SEXES,
    Code,
)

__all__ = [
    "KINDS",
    "CellError",
    "FieldSpec",
    "ImportKind",
    "Sheet",
    "SheetError",
    "read_sheet",
    "resolve_mapping",
    "row_values",
]

ImportKind = Literal["clients", "consents", "activities"]
TOKYO = ZoneInfo("Asia/Tokyo")
_DATE = re.compile(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:$|[ T])")
_LIST_SPLIT = re.compile(r"[;；、,，\n]")
_TRUE = {"true", "1", "yes", "y", "はい", "有", "あり", "○", "〇"}
_FALSE = {"false", "0", "no", "n", "いいえ", "無", "なし", "×", ""}


class SheetError(ValueError):
    """The file as a whole cannot be read; `ja` is the same message in Japanese."""

    def __init__(self, en: str, ja: str) -> None:
        super().__init__(en)
        self.en, self.ja = en, ja


@dataclass(frozen=True, slots=True)
class CellError:
    """One problem in one cell (or row, when `column` is None), in both languages."""

    row: int
    column: str | None
    field: str | None
    code: str
    en: str
    ja: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "field": self.field, "code": self.code,
                "message": self.en, "message_ja": self.ja}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: Literal["text", "date", "datetime", "bool", "int", "decimal", "list", "uuid"]
    headers: tuple[str, ...]  # header texts taken without a mapping, besides the field's own name
    codes: tuple[Code, ...] = ()  # accepted as code, Japanese or English label
    required: bool = False


def _f(name: str, type_: Any, *headers: str, codes: tuple[Code, ...] = (), required: bool = False) -> FieldSpec:
    return FieldSpec(name, type_, headers, codes, required)


_CLIENT_REF = (
    _f("client_id", "uuid", "利用者ID", "client id"),
    _f("client_kana", "text", "利用者フリガナ", "client kana"),
    _f("client_date_of_birth", "date", "利用者生年月日", "client date of birth"),
)

KINDS: Mapping[str, tuple[FieldSpec, ...]] = {
    "clients": (
        _f("name", "text", "氏名", "名前", required=True),
        _f("kana", "text", "フリガナ", "ふりがな", "カナ", "氏名（カナ）", required=True),
        _f("date_of_birth", "date", "生年月日", required=True),
        _f("sex", "text", "性別", codes=SEXES, required=True),
        _f("branch_code", "text", "総合支所", "担当支所", required=True),
        _f("residence_type", "text", "居住形態", "住まい", codes=RESIDENCE_TYPES, required=True),
        _f("residence_since", "date", "居住開始日"),
        _f("hospital_agency_id", "uuid", "入院先機関ID"),
        _f("public_assistance", "bool", "生活保護"),
        _f("caseworker_id", "uuid", "担当ケースワーカーID"),
        _f("diagnoses", "list", "診断", "診断（ICD-10）", "ICD-10"),
        _f("phone", "text", "電話", "電話番号"),
        _f("years_inpatient", "decimal", "入院年数"),
        _f("years_homeless", "decimal", "路上生活年数"),
        _f("notes", "text", "備考"),
        _f("confirm_not_duplicate", "bool", "重複確認済み"),
    ),
    "consents": (
        *_CLIENT_REF,
        _f("agency_types", "list", "提供先の機関種別"),
        _f("programme_codes", "list", "事業"),
        _f("purposes", "list", "利用目的", codes=CONSENT_PURPOSES, required=True),
        _f("data_categories", "list", "情報の種類", codes=DATA_CATEGORIES, required=True),
        _f("given_on", "date", "同意日", required=True),
        _f("expires_on", "date", "有効期限"),
        _f("recorded_how", "text", "同意の方法", codes=CONSENT_RECORDED_HOW, required=True),
        _f("witness", "text", "立会人"),
    ),
    "activities": (
        *_CLIENT_REF,
        _f("episode_id", "uuid", "支援ID"),
        _f("programme_code", "text", "事業"),
        _f("kind", "text", "種別", "支援の種類", codes=ACTIVITY_KINDS, required=True),
        _f("purpose", "text", "同行の目的", codes=ACCOMPANIMENT_PURPOSES),
        _f("off_hours", "bool", "時間外"),
        _f("occurred_at", "datetime", "日時", "実施日時", required=True),
        _f("duration_minutes", "int", "所要時間（分）", "所要時間", required=True),
        _f("travel_minutes", "int", "移動時間（分）", "移動時間"),
        _f("note", "text", "記録", "内容"),
        _f("next_step", "text", "次回", "今後の予定"),
    ),
}


@dataclass(slots=True)
class Sheet:
    headers: list[str]
    rows: list[list[str | None]] = field(default_factory=list)
    encoding: str = "xlsx"

    def records(self) -> Iterator[tuple[int, list[str | None]]]:
        """(spreadsheet row number, cells): the header is row 1."""
        for index, cells in enumerate(self.rows, start=2):
            if any(c not in (None, "") for c in cells):
                yield index, cells


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # cp932 is what Excel in Japan writes as "CSV": Shift_JIS with Microsoft's extensions.
        return data.decode("cp932"), "shift_jis"
    except UnicodeDecodeError as exc:
        raise SheetError("The file is neither UTF-8 nor Shift_JIS text.",
                         "ファイルの文字コードがUTF-8でもShift_JISでもありません。") from exc


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def read_sheet(data: bytes, *, max_rows: int) -> Sheet:
    """The first sheet of an XLSX file, or a CSV file: header row, then up to *max_rows* rows."""
    if not data.strip():
        raise SheetError("The file is empty.", "ファイルが空です。")
    if data[:4] == b"PK\x03\x04":
        sheet = _read_xlsx(data, max_rows)
    else:
        text, encoding = _decode(data)
        if "\x00" in text:
            raise SheetError("The file contains NUL characters: is it a spreadsheet saved as CSV or XLSX?",
                             "NUL文字が含まれています。CSVまたはXLSX形式で保存したファイルを送ってください。")
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            lines = [[c.strip() for c in line] for line in reader]
        except csv.Error as exc:
            raise SheetError(f"The CSV cannot be read: {exc}.", "CSVの形式が正しくありません。") from exc
        lines = [line for line in lines if any(line)]
        if not lines:
            raise SheetError("The file has no header row.", "見出し行がありません。")
        sheet = Sheet(headers=lines[0], rows=[list[str | None](line) for line in lines[1:]], encoding=encoding)
    if len(sheet.rows) > max_rows:
        raise SheetError(f"The file has {len(sheet.rows)} rows; at most {max_rows} are imported at once.",
                         f"行数が{len(sheet.rows)}行あります。一度に取り込めるのは{max_rows}行までです。")
    duplicated = sorted({h for h in sheet.headers if h and sheet.headers.count(h) > 1})
    if duplicated:
        raise SheetError(f"Columns appear twice: {', '.join(duplicated)}.",
                         f"同じ見出しの列が複数あります: {'、'.join(duplicated)}")
    return sheet


def _read_xlsx(data: bytes, max_rows: int) -> Sheet:
    from openpyxl import load_workbook  # only for XLSX uploads: a large import, kept off the startup path

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SheetError("The XLSX file cannot be read.", "XLSXファイルを読み込めません。") from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header: list[str] = []
        for values in rows:
            cells = [_cell(v) or "" for v in values]
            if any(cells):
                header = cells
                break
        if not header:
            raise SheetError("The file has no header row.", "見出し行がありません。")
        out: list[list[str | None]] = []
        for values in rows:
            out.append([_cell(v) for v in values][:len(header)])
            if len(out) > max_rows:
                break
        while header and not header[-1]:
            header.pop()
        return Sheet(headers=header, rows=out, encoding="xlsx")
    finally:
        book.close()


def resolve_mapping(kind: str, headers: Sequence[str], mapping: Mapping[str, str] | None
                    ) -> tuple[dict[str, int], list[str]]:
    """field → column index, and the headers that map to nothing. A given *mapping* (header →
    field) wins; other headers are taken when they are a field's name or one of its usual headers."""
    specs = {s.name: s for s in KINDS[kind]}
    by_header = {h: s.name for s in KINDS[kind] for h in (s.name, *s.headers)}
    mapping = dict(mapping or {})
    unknown_headers = sorted(set(mapping) - set(headers))
    if unknown_headers:
        raise SheetError(f"The mapping names columns the file does not have: {', '.join(unknown_headers)}.",
                         f"対応表にファイルにない列があります: {'、'.join(unknown_headers)}")
    unknown_fields = sorted(set(mapping.values()) - set(specs))
    if unknown_fields:
        raise SheetError(
            f"The mapping names unknown fields: {', '.join(unknown_fields)}; the fields are "
            f"{', '.join(specs)}.",
            f"対応表に不明な項目があります: {'、'.join(unknown_fields)}。項目は {'、'.join(specs)} です。")
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        name = mapping.get(header) or by_header.get(header)
        if name is None:
            if header:
                ignored.append(header)
            continue
        if name in columns:
            raise SheetError(f"Two columns map to the field {name}.", f"項目 {name} に対応する列が複数あります。")
        columns[name] = index
    missing = [s.name for s in KINDS[kind] if s.required and s.name not in columns]
    if missing:
        raise SheetError(f"No column for the required fields: {', '.join(missing)}.",
                         f"必須項目の列がありません: {'、'.join(missing)}")
    return columns, ignored


def _code(spec: FieldSpec, raw: str) -> str:
    for c in spec.codes:
        if raw in (c.code, c.ja, c.en) or raw.lower() == c.en.lower():
            return c.code
    return raw


def _convert(spec: FieldSpec, raw: str) -> object:
    if spec.type == "list":
        return [_code(spec, part.strip()) for part in _LIST_SPLIT.split(raw) if part.strip()]
    if spec.type == "bool":
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError("bool")
    if spec.type == "date":
        # Excel shows dates as 2010/7/6; a sheet may also carry a time after the date.
        found = _DATE.match(raw)
        if found is None:
            return raw
        year, month, day = (int(g) for g in found.groups())
        return f"{year:04d}-{month:02d}-{day:02d}"
    if spec.type == "datetime":
        value = raw.replace("/", "-")
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        # A sheet carries no offset: its times are the ward's (Asia/Tokyo).
        return (moment if moment.tzinfo else moment.replace(tzinfo=TOKYO)).isoformat()
    if spec.codes:
        return _code(spec, raw)
    return raw


def row_values(kind: str, columns: Mapping[str, int], row: int, cells: Sequence[str | None]
               ) -> tuple[dict[str, object], list[CellError]]:
    """The row's values by field, ready for the request model; empty cells are left out."""
    specs = {s.name: s for s in KINDS[kind]}
    values: dict[str, object] = {}
    errors: list[CellError] = []
    for name, index in columns.items():
        raw = cells[index] if index < len(cells) else None
        if raw is None or raw == "":
            continue
        try:
            values[name] = _convert(specs[name], raw)
        except ValueError:
            errors.append(CellError(row, None, name, "bool", "Write yes or no (true/false, はい/いいえ, 1/0).",
                                    "「はい」か「いいえ」（true/false、1/0）で記入してください。"))
    return values, errors


_NOT_ALLOWED = ("Not one of the allowed values: {expected}.",
                "使用できない値です。次のいずれかを記入してください: {expected}")
_NOT_A_DATE = ("Not a date: write YYYY-MM-DD.", "日付として読めません。YYYY-MM-DD の形で記入してください。")
_NOT_A_TIME = ("Not a date and time: write YYYY-MM-DD HH:MM.",
               "日時として読めません。YYYY-MM-DD HH:MM の形で記入してください。")
# Pydantic's error types, in the words a ward clerk would understand.
_MESSAGES: Mapping[str, tuple[str, str]] = {
    "missing": ("Required: this cell is empty.", "必須項目です。入力してください。"),
    "literal_error": _NOT_ALLOWED,
    "enum": _NOT_ALLOWED,
    "date_from_datetime_parsing": _NOT_A_DATE,
    "date_parsing": _NOT_A_DATE,
    "date_type": _NOT_A_DATE,
    "datetime_parsing": _NOT_A_TIME,
    "datetime_from_date_parsing": _NOT_A_TIME,
    "int_parsing": ("Not a whole number.", "整数で記入してください。"),
    "int_from_float": ("Not a whole number.", "整数で記入してください。"),
    "decimal_parsing": ("Not a number.", "数値で記入してください。"),
    "uuid_parsing": ("Not an id (a UUID).", "ID（UUID）の形式ではありません。"),
    "string_too_long": ("Too long: at most {max_length} characters.",
                        "長すぎます。{max_length}文字以内にしてください。"),
    "string_too_short": ("Too short.", "短すぎます。"),
    "string_pattern_mismatch": ("Not in the expected form.", "形式が正しくありません。"),
    "too_long": ("Too many values: at most {max_length}.", "値が多すぎます。{max_length}個までです。"),
    "too_short": ("At least one value is needed.", "少なくとも1つ記入してください。"),
    "greater_than_equal": ("Must be at least {ge}.", "{ge}以上にしてください。"),
    "less_than_equal": ("Must be at most {le}.", "{le}以下にしてください。"),
    "decimal_max_places": ("At most {decimal_places} decimal place(s).", "小数点以下は{decimal_places}桁までです。"),
    "extra_forbidden": ("Not a field of this kind of record.", "この記録にはない項目です。"),
}
# Messages our request models raise themselves (ValueError texts), translated.
_VALUE_ERRORS_JA: Mapping[str, str] = {
    "kana must be written in katakana or hiragana": "フリガナはカタカナかひらがなで記入してください。",
    "date_of_birth is in the future": "生年月日が未来の日付です。",
    "hospital_agency_id is required while the client is an inpatient": "入院中の方は入院先機関IDが必要です。",
    "a verbal consent needs the witness's name": "口頭での同意には立会人の氏名が必要です。",
    "expires_on is before given_on": "有効期限が同意日より前です。",
    "occurred_at needs a UTC offset": "日時の時差が読めません。",
    "an accompaniment needs its purpose": "同行支援には同行の目的が必要です。",
    "purpose is only for accompaniments": "同行の目的は同行支援の場合だけ記入します。",
    "off_hours marks phone consultations taken off duty": "時間外は電話相談の場合だけ記入します。",
}


def validation_errors(row: int, columns: Mapping[str, int], headers: Sequence[str],
                      errors: Sequence[Mapping[str, Any]]) -> list[CellError]:
    """Pydantic's errors of one row, each named by its column, in both languages."""
    out = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", ())]
        name = loc[0] if loc else None
        column = headers[columns[name]] if name is not None and name in columns else None
        kind = str(error.get("type", "value_error"))
        ctx = {k: (", ".join(map(str, v)) if isinstance(v, list | tuple) else v)
               for k, v in (error.get("ctx") or {}).items()}
        if kind in _MESSAGES:
            en, ja = _MESSAGES[kind]
            with contextlib.suppress(KeyError, IndexError):
                en, ja = en.format(**ctx), ja.format(**ctx)
        else:
            text = str(error.get("msg", "")).removeprefix("Value error, ")
            en, ja = text, _VALUE_ERRORS_JA.get(text, "値が正しくありません: " + text)
        out.append(CellError(row, column, name, kind, en, ja))
    return out
