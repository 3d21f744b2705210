"""Reading the uploaded file: its encoding, its rows, its header."""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from dataclasses import dataclass

from patients.importing.report import (
    COLUMNS,
    REQUIRED_COLUMNS,
    ImportReport,
    size_problem,
)

# --- Reading the file ------------------------------------------------------------------


def _decode(data: bytes, report: ImportReport) -> str | None:
    problem = size_problem(len(data))
    if problem:
        report.error(None, problem)
        return None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        report.error(
            None,
            "wrong encoding: the file is UTF-16 (Excel's 'Unicode text'); save it as "
            "'CSV UTF-8 (comma delimited)' instead",
        )
        return None
    if b"\x00" in data:
        report.error(None, "wrong encoding: this does not look like a CSV text file")
        return None
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # Older spreadsheet exports are Windows-1252, which is Latin-1 with printable
        # characters (curly quotes, the euro sign) where Latin-1 has control codes.
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        report.notices.append(
            "file is not UTF-8; read as Latin-1 (Windows-1252). Check that accented "
            "letters look right in the preview."
        )
    if any(unicodedata.category(char) == "Cc" and char not in "\t\r\n" for char in set(text)):
        report.error(None, "wrong encoding: this does not look like a CSV text file")
        return None
    if not text.strip():
        report.error(None, "the file is empty")
        return None
    return text


@dataclass
class _Row:
    line: int
    cells: dict[str, str]


def _read_rows(text: str, report: ImportReport) -> list[_Row] | None:
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    # Spreadsheets in many European locales separate with semicolons.
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    header: list[str] | None = None
    rows: list[_Row] = []
    line = 0
    try:
        for record in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # blank lines, and ",,,," rows a spreadsheet leaves at the end
            if header is None:
                header = [cell.strip().lower() for cell in record]
                if not _header_ok(header, start, report):
                    return None
                report.columns = header
                continue
            if len(record) != len(header):
                report.error(start, f"expected {len(header)} columns, found {len(record)}")
                continue
            rows.append(
                _Row(start, {name: cell.strip() for name, cell in zip(header, record, strict=True)})
            )
    except csv.Error as error:
        report.error(line + 1, f"the file cannot be read as CSV ({error})")
        return None
    if header is None:
        report.error(None, "the file is empty")
        return None
    return rows


def _header_ok(header: list[str], line: int, report: ImportReport) -> bool:
    problems = []
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        problems.append("unknown column " + ", ".join(f"'{name}'" for name in unknown))
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        problems.append("column given twice: " + ", ".join(duplicated))
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        problems.append("missing required column " + ", ".join(missing))
    if not problems:
        return True
    report.error(
        line,
        "the header row is not right: "
        + "; ".join(problems)
        + ". The first row must name the columns; the possible names are "
        + ", ".join(COLUMNS)
        + ".",
    )
    return False
