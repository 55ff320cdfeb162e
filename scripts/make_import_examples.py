"""Writes examples/imports/: spreadsheets as the ward keeps them, for `POST /v1/imports` against the
demo world (`make run`, signed in as cw.karasuyama). clients.csv is Shift_JIS as Excel in Japan
saves CSV; consents.csv is UTF-8 with a BOM; activities.xlsx is an Excel workbook. Run from the
repository root: .venv/bin/python scripts/make_import_examples.py"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).resolve().parent.parent / "examples" / "imports"

CLIENTS = [
    ["氏名", "フリガナ", "生年月日", "性別", "総合支所", "居住形態", "入院先機関ID", "生活保護", "診断", "電話",
     "備考"],
    ["松本 健二", "マツモト ケンジ", "1962/04/18", "男性", "烏山", "アパート・単身", "", "はい", "F20", "03-0000-2201",
     "退院後2年。訪問看護と作業所を利用している。"],
    ["井上 さと子", "イノウエ サトコ", "1975/09/03", "女性", "烏山", "家族と同居", "", "いいえ", "F32", "",
     "母親と同居。相談員との面談を希望。"],
    ["木村 誠", "キムラ マコト", "1957/12/25", "男性", "烏山", "グループホーム", "", "はい", "F20;F10", "03-0000-2203",
     "グループホームに入居して半年。"],
]
CONSENTS = [
    ["利用者フリガナ", "利用者生年月日", "提供先の機関種別", "利用目的", "情報の種類", "同意日", "同意の方法",
     "立会人"],
    ["マツモト ケンジ", "1962-04-18", "consultation_office;group_home", "関係機関への紹介・依頼;住居探し",
     "氏名・生年月日;連絡先;支援ニーズの概要", "2010-07-01", "署名した同意書", ""],
    ["イノウエ サトコ", "1975-09-03", "consultation_office", "関係機関への紹介・依頼", "氏名・生年月日;連絡先",
     "2010-07-05", "口頭（立会人あり）", "烏山総合支所 係長"],
    ["キムラ マコト", "1957-12-25", "group_home", "関係機関への紹介・依頼;住居探し", "氏名・生年月日;支援ニーズの概要",
     "2010-07-09", "署名した同意書", ""],
]
# スズキ クミコ is the demo world's home-stabilisation client of cw.karasuyama (api/demo/newsletter.py, c02).
ACTIVITIES = [
    ["利用者フリガナ", "利用者生年月日", "事業", "日時", "種別", "同行の目的", "所要時間（分）", "移動時間（分）",
     "記録"],
    ["スズキ クミコ", "1968-11-02", "home_stabilisation", datetime(2010, 7, 6, 10, 0), "家庭訪問", None, 60, 20,
     "服薬カレンダーを一緒に確認。"],
    ["スズキ クミコ", "1968-11-02", "home_stabilisation", datetime(2010, 7, 13, 14, 0), "同行支援", "通院", 120, 30,
     "通院同行。主治医に睡眠の様子を伝えた。"],
    ["スズキ クミコ", "1968-11-02", "home_stabilisation", datetime(2010, 7, 20, 10, 30), "電話相談", None, 15, 0,
     "次回訪問の日程を調整。"],
]


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "clients.csv").write_bytes(_csv(CLIENTS).encode("cp932"))
    (OUT / "consents.csv").write_bytes(b"\xef\xbb\xbf" + _csv(CONSENTS).encode("utf-8"))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "支援記録"
    for row in ACTIVITIES:
        sheet.append(row)
    book.save(OUT / "activities.xlsx")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
