"""Imported text: the file's encoding is told or the file refused, and control characters are
removed (``tools/store/importer/encoding.py``, ``csvread.py``).

A small export (people, accounts, deals with next steps) written in each encoding an export
comes in: UTF-8 with and without BOM, Latin-1 and Windows-1252 import verbatim; a UTF-8 file with a
foreign byte, a byte that is text in no Western encoding, and a Cyrillic Windows-1251 file are
refused with one line naming the file and its first bad line, and nothing is written. ESC, BEL
and the other control characters are removed from cells, with a warning naming the rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from assistant.bootstrap import build_app_context
from assistant.interfaces.cli import app
from tests.conftest import table_dump
from tools.store.importer.mapping_files import load_mapping
from tools.store.importer.runner import ImportReport, ImportValidationError, import_dataset
from tools.store.schema import Account, Opportunity, User
from tools.store.stages import load_stages

MAPPING = """
name: text-check
entities:
  - table: users
    file: people.csv
    fields:
      external_id: id
      name: name
      role: {const: rep}
  - table: accounts
    file: accounts.csv
    fields:
      external_id: id
      name: name
      city: city
      owner_id: {column: owner, by: name}
  - table: opportunities
    file: deals.csv
    fields:
      external_id: id
      name: name
      account_id: account
      owner_id: {column: owner, by: name}
      amount: {column: amount, type: money}
      created_at: opened
      close_date: close
      stage: stage
      next_step: next_step
"""
PEOPLE = "id,name\r\nP1,Jürgen Weiß\r\nP2,Zoë Dupré\r\n"
ACCOUNTS = (
    "id,name,city,owner\r\n"
    "A1,Müller GmbH,München,Jürgen Weiß\r\n"
    "A2,Société Générale,Paris,Zoë Dupré\r\n"
    "A3,Muñoz y Peña,Bogotá,Zoë Dupré\r\n"
)
DEALS = (
    "id,name,account,owner,amount,opened,close,stage,next_step\r\n"
    "D1,Müller – Core,A1,Jürgen Weiß,48000,2026-09-01,2026-12-15,Proposal,"
    "\u201cSend the MSA\u201d \u2013 today\r\n"
    "D2,Société – Analytics,A2,Zoë Dupré,12000,2026-09-10,2026-12-20,Discovery,Call Zoë\u2019s CFO\r\n"
)
CYRILLIC = "id,name,city,owner\r\nA1,Иванов и партнеры,Москва,\r\n"


def write_export(directory: Path, encoding: str, deals: str = DEALS, accounts: str = ACCOUNTS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in (("people.csv", PEOPLE), ("accounts.csv", accounts), ("deals.csv", deals)):
        (directory / name).write_bytes(content.encode(encoding))
    (directory / "text-check.yaml").write_text(MAPPING, encoding="utf-8")
    return directory


def run(engine: Engine, directory: Path) -> ImportReport:
    return import_dataset(
        engine, directory, load_mapping(directory / "text-check.yaml"), stages=load_stages()
    )


def stored(engine: Engine) -> tuple[set[str], set[str], dict[str, str | None]]:
    with engine.connect() as connection:
        people = set(connection.execute(select(User.name)).scalars())
        accounts = set(connection.execute(select(Account.name)).scalars())
        steps = {e: n for e, n in connection.execute(select(Opportunity.external_id, Opportunity.next_step))}
    return people, accounts, steps


@pytest.mark.parametrize(
    ("encoding", "told"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252")],
    ids=["UTF-8", "UTF-8 with BOM", "Windows-1252 with curly quotes"],
)
def test_exports_import_verbatim_in_the_encoding_they_come_in(
    tmp_path: Path, sqlite_engine: Engine, encoding: str, told: str
) -> None:
    report = run(sqlite_engine, write_export(tmp_path / "export", encoding))
    assert {f.name: f.encoding for f in report.files} == dict.fromkeys(
        ("people.csv", "accounts.csv", "deals.csv"), told
    )
    people, accounts, steps = stored(sqlite_engine)
    assert people == {"Jürgen Weiß", "Zoë Dupré"}
    assert accounts == {"Müller GmbH", "Société Générale", "Muñoz y Peña"}
    assert steps == {"D1": "\u201cSend the MSA\u201d \u2013 today", "D2": "Call Zoë\u2019s CFO"}


def test_a_latin1_export_imports_verbatim(tmp_path: Path, sqlite_engine: Engine) -> None:
    """Latin-1 has no curly quotes or dashes: its deals say the same with straight ones."""
    plain = DEALS.replace("\u201c", '"').replace("\u201d", '"').replace("\u2013", "-").replace("\u2019", "'")
    quoted = plain.replace('"Send the MSA" - today', '"""Send the MSA"" - today"')
    directory = write_export(tmp_path / "export", "latin-1", deals=quoted)
    assert "Müller GmbH".encode("latin-1") in (directory / "accounts.csv").read_bytes()
    report = run(sqlite_engine, directory)
    assert {f.encoding for f in report.files} <= {"cp1252", "latin-1"}
    people, accounts, steps = stored(sqlite_engine)
    assert "Müller GmbH" in accounts and "Muñoz y Peña" in accounts and "Jürgen Weiß" in people
    assert steps == {"D1": '"Send the MSA" - today', "D2": "Call Zoë's CFO"}


def _bad_export(directory: Path, kind: str) -> Path:
    write_export(directory, "utf-8")
    accounts = ACCOUNTS.encode("utf-8")
    if kind == "UTF-8 with a Latin-1 byte":
        accounts += "A4,Café Crème,Lyon,Zoë Dupré\r\n".encode("latin-1")
    elif kind == "a byte no Western encoding has":
        accounts = ACCOUNTS.encode("latin-1") + b"A4,Gr\x81n AG,Wien,Zo\xeb Dupr\xe9\r\n"
    else:  # a Cyrillic Windows-1251 export
        accounts = CYRILLIC.encode("cp1251")
    (directory / "accounts.csv").write_bytes(accounts)
    return directory


@pytest.mark.parametrize(
    ("kind", "line", "reason"),
    [
        ("UTF-8 with a Latin-1 byte", 5, "not valid UTF-8 (byte 0xe9) in a file that is otherwise UTF-8"),
        ("a byte no Western encoding has", 5, "byte 0x81 is not text in UTF-8, Windows-1252 or Latin-1"),
        ("a Cyrillic Windows-1251 export", 2, "cannot tell the file's encoding"),
    ],
)
def test_a_file_that_does_not_decode_cleanly_is_refused_and_nothing_is_written(
    tmp_path: Path, sqlite_engine: Engine, kind: str, line: int, reason: str
) -> None:
    directory = _bad_export(tmp_path / "export", kind)
    before = table_dump(sqlite_engine)
    with pytest.raises(ImportValidationError) as failure:
        run(sqlite_engine, directory)
    [error] = failure.value.report.errors
    assert (error.file, error.line) == ("accounts.csv", line)
    assert reason in error.reason and "\n" not in error.render()
    assert table_dump(sqlite_engine) == before  # people.csv and deals.csv were fine: nothing written


def test_the_cli_refuses_an_undecodable_file_on_one_line(tmp_path: Path) -> None:
    directory = _bad_export(tmp_path / "export", "UTF-8 with a Latin-1 byte")
    result = CliRunner().invoke(
        app, ["data", "import", str(directory), "--mapping", str(directory / "text-check.yaml")]
    )
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        "error: import failed, nothing was written: accounts.csv:5: not valid UTF-8 (byte 0xe9) in a file "
        "that is otherwise UTF-8: correct the line"
    )
    engine = build_app_context().engine
    assert stored(engine) == (set(), set(), {})
    engine.dispose()


def test_a_named_encoding_reads_what_auto_refuses(tmp_path: Path, sqlite_engine: Engine) -> None:
    directory = _bad_export(tmp_path / "export", "a Cyrillic Windows-1251 export")
    mapping = MAPPING.replace("    file: accounts.csv\n", "    file: accounts.csv\n    encoding: cp1251\n")
    (directory / "text-check.yaml").write_text(mapping, encoding="utf-8")
    run(sqlite_engine, directory)
    assert stored(sqlite_engine)[1] == {"Иванов и партнеры"}


def test_control_characters_are_removed_and_the_rows_named(tmp_path: Path, sqlite_engine: Engine) -> None:
    accounts = ACCOUNTS.replace("Müller GmbH", "Müller\x1b[2J GmbH\x07").replace("Paris", "Pa\x9bris")
    deals = [
        *DEALS.splitlines(keepends=True)[:2],
        "D2,Société – Analytics,A2,Zoë Dupré,12000,2026-09-10,2026-12-20,Discovery,"
        '"Call\x08 Zoë\tand\r\nthen\x1b]0;x\x07 the CFO"\r\n',
    ]
    report = run(sqlite_engine, write_export(tmp_path / "export", "utf-8", "".join(deals), accounts))
    _, names, steps = stored(sqlite_engine)
    assert "Müller[2J GmbH" in names
    with sqlite_engine.connect() as connection:
        assert connection.execute(select(Account.city).where(Account.external_id == "A2")).scalar() == "Paris"
    assert steps["D2"] == "Call Zoë\tand\r\nthen]0;x the CFO"  # tab and line breaks are kept
    [group] = [g for g in report.warnings if g.kind == "control"]
    assert group.title == "control characters removed" and group.count == 3
    shown = [example.render() for example in group.examples]
    assert (
        shown[0] == "accounts.csv:2 name 'Müller\\x1b[2J GmbH\\x07': removed 2 control character(s): ESC, BEL"
    )
    assert shown[1] == "accounts.csv:3 city 'Pa\\x9bris': removed 1 control character(s): U+009B"
    assert shown[2].startswith("deals.csv:3 next_step") and shown[2].endswith(
        "removed 3 control character(s): BS, ESC, BEL"
    )
