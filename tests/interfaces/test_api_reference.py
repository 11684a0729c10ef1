"""README's HTTP API table is the one rendered from the application's OpenAPI document."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.interfaces.api import reference
from tests.interfaces.api_support import openapi_document

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_table_is_the_documents() -> None:
    readme = README.read_text(encoding="utf-8")
    table = reference.render(openapi_document())
    assert reference.replaced(readme, table) == readme, (
        f"README.md's HTTP API table is stale: run {reference.COMMAND}"
    )


def test_the_table_has_a_row_per_operation_with_its_parameters_and_errors() -> None:
    document = openapi_document()
    rows = reference.render(document).splitlines()[2:]
    operations = [(m, p) for p, item in document["paths"].items() for m in item]
    assert len(rows) == len(operations)
    deals = next(row for row in rows if "| `/v1/deals` |" in row)
    assert deals.startswith("| `GET` | `/v1/deals` | List deals |")
    assert "`owner`" in deals and "`stalled`" in deals and "| 400 401 404 422 429 503 |" in deals
    metrics = next(row for row in rows if row.startswith("| `POST` | `/v1/metrics`"))
    assert 'body `{"measure", …' in metrics
    assert "`measure`*" in next(row for row in rows if row.startswith("| `GET` | `/v1/metrics`"))


def test_check_fails_on_a_stale_table_and_write_renews_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stale = tmp_path / "README.md"
    stale.write_text(f"# API\n\n{reference.START}\n| old |\n{reference.END}\n\nAfter.\n", encoding="utf-8")
    assert reference.main(["--check", str(stale)]) == 1
    assert reference.COMMAND in capsys.readouterr().err
    assert reference.main(["--write", str(stale)]) == 0
    assert reference.main(["--check", str(stale)]) == 0
    text = stale.read_text(encoding="utf-8")
    assert "| old |" not in text and text.endswith(f"{reference.END}\n\nAfter.\n") and "`/v1/deals`" in text
    unmarked = tmp_path / "plain.md"
    unmarked.write_text("no markers\n", encoding="utf-8")
    assert reference.main(["--check", str(unmarked)]) == 2
