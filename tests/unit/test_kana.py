import pytest

from api.domain.kana import is_valid_kana, kana_sort_key, normalize_kana


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("やまだ　たろう", "ヤマダ タロウ"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマダ タロウ"),
        ("ｶﾞｷﾞｸﾞｹﾞｺﾞ ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ", "ガギグゲゴ パピプペポ"),
        ("ｳﾞｧｲｵﾘﾝ", "ヴァイオリン"),
        ("ｷｮｳｺﾞｸ", "キョウゴク"),
        ("ｻｯﾎﾟﾛ", "サッポロ"),
        ("  スズキ \u3000\u3000 イチロー  ", "スズキ イチロー"),
        ("ｽｽﾞｷ ｲﾁﾛｰ", "スズキ イチロー"),
        ("ﾏｲｹﾙ･ｼﾞｮｰﾀﾞﾝ", "マイケル・ジョーダン"),
        ("さとう\tはなこ", "サトウ ハナコ"),
        ("か\u3099とう", "ガトウ"),  # decomposed input, as pasted from macOS
        ("か゛とう", "ガトウ"),  # spacing voiced mark typed after the kana
        ("ゔぃ", "ヴィ"),
        ("", ""),
    ],
)
def test_normalize_kana(raw: str, expected: str) -> None:
    assert normalize_kana(raw) == expected


def test_normalize_kana_is_idempotent() -> None:
    once = normalize_kana("ｶﾞｸｼｭｳ　いちろー")
    assert once == "ガクシュウ イチロー"
    assert normalize_kana(once) == once


def test_normalized_readings_support_prefix_search_across_scripts() -> None:
    stored = normalize_kana("ﾔﾏﾀﾞ ﾀﾛｳ")
    assert stored.startswith(normalize_kana("やまだ"))
    assert stored.startswith(normalize_kana("ﾔﾏ"))


@pytest.mark.parametrize(
    "text",
    ["ヤマダ タロウ", "やまだ", "ﾔﾏﾀﾞ", "イチロー", "マイケル・ジョーダン", "ヴァイオリン", "ヶ", "キョウ"],
)
def test_valid_kana(text: str) -> None:
    assert is_valid_kana(text)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "山田", "Yamada", "ヤマダ1", "ヤマダ-タロウ", "ヤマダ、タロウ", "ヤマダ(タロウ)", "ヽ", "ｶ゛゛"],
)
def test_invalid_kana(text: str) -> None:
    assert not is_valid_kana(text)


@pytest.mark.parametrize(
    ("reading", "key"),
    [
        ("ガトウ", "カトウ"),
        ("パク", "ハク"),
        ("ヴィ", "ウイ"),
        ("キョウ", "キヨウ"),
        ("ハッタ", "ハツタ"),
        ("ヶ", "ケ"),
        ("ヮ", "ワ"),
        ("スズキ イチロー", "ススキイチロ"),
        ("マイケル・ジョーダン", "マイケルシヨタン"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", "ヤマタタロウ"),
    ],
)
def test_kana_sort_key_folds(reading: str, key: str) -> None:
    assert kana_sort_key(reading) == key


# 50音順 as a printed roster lists them: voicing and small kana are ignored
# at first, so ゴトウ comes before コバヤシ and パク before ハツシバ.
GOJUON_ORDER = [
    "アイカワ",
    "アオキ",
    "イトウ",
    "ウエダ",
    "オオノ",
    "キョウゴク",
    "キヨミズ",
    "ゴトウ",
    "コバヤシ",
    "パク",
    "ハツシバ",
    "ハッタ",
    "ババ",
    "ハヤシ",
    "ヤマダ タロウ",
    "ヤマダ ハナコ",
    "ヤマモト ジロウ",
    "ワタナベ",
]


def test_sorting_by_key_follows_gojuon_order() -> None:
    typed_anyhow = [
        "ﾜﾀﾅﾍﾞ",
        "ばば",
        "ヤマモト　ジロウ",
        "はった",
        "ｺﾊﾞﾔｼ",
        "アオキ",
        "ぱく",
        "やまだ はなこ",
        "ごとう",
        "ｷﾖﾐｽﾞ",
        "いとう",
        "ハツシバ",
        "ｷｮｳｺﾞｸ",
        "おおの",
        "ﾔﾏﾀﾞ ﾀﾛｳ",
        "うえだ",
        "はやし",
        "あいかわ",
    ]
    ordered = [normalize_kana(t) for t in sorted(typed_anyhow, key=kana_sort_key)]
    assert ordered == GOJUON_ORDER


def test_plain_code_point_order_would_be_wrong() -> None:
    # Guards the reason the key exists: without folding, voiced and small
    # kana sort after their plain forms and the roster comes out scrambled.
    assert sorted(GOJUON_ORDER) != GOJUON_ORDER
    assert sorted(GOJUON_ORDER, key=kana_sort_key) == GOJUON_ORDER


def test_ties_are_broken_by_the_normalised_reading() -> None:
    readings = ["ガトウ", "カトウ", "カドウ"]
    ordered = sorted(readings, key=lambda r: (kana_sort_key(r), normalize_kana(r)))
    assert ordered == ["カトウ", "カドウ", "ガトウ"]
