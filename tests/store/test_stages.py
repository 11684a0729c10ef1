"""The stage configuration file: the packaged default and the errors a bad file gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.store.stages import ForecastCategory, StageConfigError, load_stages


def test_default_stages_are_ordered_with_probabilities_and_thresholds() -> None:
    config = load_stages()
    assert config.names[0] == "Prospecting" and config.won_stage.name == "Closed Won"
    assert config.lost_stage.name == "Closed Lost"
    probabilities = [s.probability for s in config.open_stages]
    assert probabilities == sorted(probabilities)
    assert all(s.stall_days and s.stall_days > 0 for s in config.open_stages)
    assert config.get("Negotiation").forecast_category is ForecastCategory.COMMIT
    assert config.stall_rules.no_activity_days == 21 and config.stall_rules.cycle_multiple == 1.5


def test_aliases_resolve_case_and_punctuation_insensitively() -> None:
    config = load_stages()
    assert config.get("won").name == "Closed Won"
    assert config.get("ENGAGING").name == "Qualification"
    assert config.get("negotiation/review").name == "Negotiation"
    assert config.find("Shipped") is None
    with pytest.raises(KeyError, match="unknown stage 'Shipped'"):
        config.get("Shipped")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("stages: [", "not valid YAML"),
        (
            "stages:\n  - name: A\n    probability: 2\n    forecast_category: pipeline\n    stall_days: 3\n",
            r"stages\.0\.probability",
        ),
        ("stages:\n  - name: A\n    probability: 0.5\n    forecast_category: pipeline\n", "needs stall_days"),
        (
            "stages:\n  - name: A\n    probability: 0.5\n    forecast_category: maybe\n    stall_days: 3\n",
            "forecast_category",
        ),
        (
            "stages:\n  - {name: A, probability: 0.1, forecast_category: pipeline, stall_days: 3}\n"
            "  - {name: a, probability: 1, forecast_category: closed, closed: true, won: true}\n",
            "used twice",
        ),
        (
            "stages:\n  - {name: A, probability: 0.1, forecast_category: pipeline, stall_days: 3}\n",
            "marked won",
        ),
    ],
)
def test_invalid_files_give_a_one_line_reason(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "stages.yaml"
    path.write_text(body)
    with pytest.raises(StageConfigError, match=message) as caught:
        load_stages(path)
    assert "\n" not in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(StageConfigError, match="cannot read stage config"):
        load_stages(tmp_path / "absent.yaml")
