"""Kana readings of names (フリガナ): one stored form, one sort key.

Readings arrive typed in hiragana, katakana or half-width katakana from
different agencies' systems; storing a single normalised form is what makes
prefix search and 50音順 listing agree across them.
"""

from __future__ import annotations

import unicodedata

import jaconv

__all__ = ["is_valid_kana", "kana_sort_key", "normalize_kana"]

# Spacing voiced marks (゛゜) typed after a kana are turned into their
# combining forms so NFC can fuse them into a single voiced kana.
_SPACING_TO_COMBINING = str.maketrans({"\u309b": "\u3099", "\u309c": "\u309a"})

_KATAKANA_FIRST = "\u30a1"  # ァ
_KATAKANA_LAST = "\u30fa"  # ヺ
_PROLONGED = "ー"
_MIDDLE_DOT = "・"

_SMALL_TO_LARGE = {
    "ァ": "ア", "ィ": "イ", "ゥ": "ウ", "ェ": "エ", "ォ": "オ",
    "ッ": "ツ", "ャ": "ヤ", "ュ": "ユ", "ョ": "ヨ", "ヮ": "ワ",
    "ヵ": "カ", "ヶ": "ケ",
}  # fmt: skip


def _unvoiced(ch: str) -> str:
    # NFD splits a voiced kana into base + combining mark, which is exactly
    # the "same row of the gojūon table" folding dictionaries use.
    return unicodedata.normalize("NFD", ch)[0]


def normalize_kana(text: str) -> str:
    """Return *text* as full-width katakana with single ASCII spaces between words."""
    text = unicodedata.normalize("NFC", text)
    text = jaconv.h2z(text, kana=True, ascii=False, digit=False)
    text = unicodedata.normalize("NFC", text.translate(_SPACING_TO_COMBINING))
    text = jaconv.hira2kata(text)
    return " ".join(text.split())


def is_valid_kana(text: str) -> bool:
    """True when the normalised reading holds only katakana, ー, ・ and spaces.

    An empty or blank reading is not valid: a reading exists to be searched
    and sorted on.
    """
    normalized = normalize_kana(text)
    if not normalized:
        return False
    return all(
        _KATAKANA_FIRST <= ch <= _KATAKANA_LAST or ch in (_PROLONGED, _MIDDLE_DOT, " ") for ch in normalized
    )


def kana_sort_key(text: str) -> str:
    """Key whose code-point order is the gojūon dictionary order of the reading.

    Small kana fold to large and voiced/semi-voiced to unvoiced; spaces, ー
    and ・ are dropped. After folding, katakana code points run
    ア イ ウ … ワ ヰ ヱ ヲ ン, so a plain binary comparison (Python ``sorted``,
    PostgreSQL ``COLLATE "C"``) gives 50音順. Readings that fold to the same
    key (カトウ / ガトウ) should be ordered by the normalised reading next,
    which puts unvoiced before voiced and small before large.
    """
    out: list[str] = []
    for ch in normalize_kana(text):
        if ch in (" ", _PROLONGED, _MIDDLE_DOT):
            continue
        ch = _SMALL_TO_LARGE.get(ch, ch)
        out.append(_unvoiced(ch))
    return "".join(out)
