"""Territory tools on the hand-built CRM (figures worked out by hand), under each persona's scope,
and on a generated data set against a plain-Python reference (shared with the account tests)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from tests.tools.conftest import MAX, MO, OLGA, RAVI, RITA, SAM, VERA
from tests.tools.test_accounts import Reference, Seen, _day, generated_crm, money, persona
from tools.errors import InputError
from tools.evidence import Figure
from tools.resolve import UnknownName
from tools.store.repository import Repository, Sharing
from tools.store.schema import Role
from tools.territory import (
    TerritoryBalance,
    TerritoryBalanceInput,
    TerritoryListInput,
    TerritorySummary,
    TerritorySummaryInput,
    list_territories,
    territory_balance,
    territory_summary,
)
from tools.territory.balance_measures import Spread
from tools.viewer import Viewer

D = Decimal
Q4 = (dt.date(2026, 10, 1), dt.date(2027, 1, 1))


def summary(
    repo: Repository, viewer: Viewer, territory: str | None = None, period: str = "this quarter"
) -> TerritorySummary:
    return territory_summary(repo, viewer, TerritorySummaryInput(territory=territory, period=period))


def balance(repo: Repository, viewer: Viewer, territory: str | None = None) -> TerritoryBalance:
    return territory_balance(repo, viewer, TerritoryBalanceInput(territory=territory))


def values(*figures: Figure) -> list[Any]:
    return [f.value for f in figures]


# --- list -----------------------------------------------------------------------------------


def test_list_for_revops(repo: Repository) -> None:
    result = list_territories(repo, OLGA, TerritoryListInput())
    east, west = result.territories
    # East Commercial: Globex 90,000 + Initech 60,000; Sam; open deal 4 (40,000)
    assert (east.name, east.region, east.segment) == ("East Commercial", "East", "Commercial")
    assert values(east.accounts, east.reps, east.potential, east.open_pipeline) == [2, 1, D(150000), D(40000)]
    # West Enterprise: Acme 400,000 + Apex 250,000 + Umbrella 150,000; Rita, Ravi; deals 1, 2, 3, 9
    assert values(west.accounts, west.reps, west.potential, west.open_pipeline) == [
        3,
        2,
        D(800000),
        D(218000),
    ]
    assert sorted(west.reps.record_ids) == ["user/4", "user/5"]
    assert values(result.accounts, result.potential, result.open_pipeline) == [5, D(950000), D(258000)]
    only_west = list_territories(repo, OLGA, TerritoryListInput(region="west"))
    assert [t.name for t in only_west.territories] == ["West Enterprise"]


def test_list_for_a_rep_counts_her_own_deals_and_herself(
    repo: Repository, territory_repo: Repository
) -> None:
    # private sharing (the default): West as far as Rita sees it is Acme, her deals 1 and 2, herself
    (west,) = list_territories(repo, RITA, TerritoryListInput()).territories
    assert values(west.accounts, west.reps, west.potential, west.open_pipeline) == [
        1,
        1,
        D(400000),
        D(150000),
    ]
    # territory sharing: every West account, but only deals 1 and 2 (150,000) and only Rita among the reps
    (west,) = list_territories(territory_repo, RITA, TerritoryListInput()).territories
    assert values(west.accounts, west.reps, west.potential, west.open_pipeline) == [
        3,
        1,
        D(800000),
        D(150000),
    ]


# --- summary --------------------------------------------------------------------------------


def test_summary_of_a_managers_territory(repo: Repository) -> None:
    result = summary(repo, MAX)  # no name: the team's territory, West Enterprise
    assert [t.name for t in result.territories] == ["West Enterprise"]
    assert (result.period.label, result.period.start, result.period.last_day) == (
        "2026-Q4",
        dt.date(2026, 10, 1),
        dt.date(2026, 12, 31),
    )
    assert values(result.accounts, result.potential) == [3, D(800000)]
    assert [(b.label, b.accounts.value, b.potential.value) for b in result.by_segment] == [
        ("Enterprise", 3, D(800000))
    ]
    # Healthcare: Apex 250,000 + Umbrella 150,000 = 400,000 ties with Technology: Acme 400,000
    assert [(b.label, b.accounts.value, b.potential.value) for b in result.by_industry] == [
        ("Healthcare", 2, D(400000)),
        ("Technology", 1, D(400000)),
    ]
    # open deals 1 (120,000, Negotiation 0.8), 2 (30,000, Proposal 0.55), 3 (60,000, Discovery 0.3),
    # 9 (8,000, Prospecting 0.05): 218,000; weighted 96,000 + 16,500 + 18,000 + 400 = 130,900
    assert values(result.open_deals, result.open_pipeline, result.weighted_pipeline) == [
        4,
        D(218000),
        D(130900),
    ]
    # due in Q4: deals 1 (Dec 15), 2 (Nov 1), 9 (Dec 20) = 158,000; deal 3 closes in January
    assert result.pipeline_due_in_period.value == D(158000)
    assert result.pipeline_due_in_period.record_ids == ["opportunity/1", "opportunity/2", "opportunity/9"]
    # bookings: deal 6 won 2026-11-05 (20,000); quota Rita 100,000 + Ravi 80,000
    assert values(result.bookings, result.quota) == [D(20000), D(180000)]
    assert result.quota.record_ids == ["quota/4:2026-Q4", "quota/5:2026-Q4"]
    assert result.attainment.value == 0.1111  # 20,000 / 180,000
    assert result.pipeline_coverage.value == 0.9875  # 158,000 / (180,000 - 20,000)
    assert result.pipeline_coverage.formula.startswith("Open pipeline due (close date) in the period")
    # every West account had team activity since 2026-09-21 and has an open deal
    assert values(result.no_activity_60_days.accounts, result.no_open_pipeline.accounts) == [0, 0]
    assert [(a.name, a.open_pipeline.value) for a in result.top_accounts] == [
        ("Acme Corporation", D(150000)),
        ("Apex Health", D(60000)),
        ("Umbrella Health", D(8000)),
    ]


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        # open, weighted, due in Q4, bookings, quota, attainment, coverage, quiet, no open pipeline
        # Rita: deals 1, 2; 96,000 + 16,500; won deal 6; 20,000/100,000; 150,000/(100,000 - 20,000);
        # her one account, Acme, was touched 11-18 and has open deals
        (RITA, [D(150000), D(112500), D(150000), D(20000), D(100000), 0.2, 1.875, 0, 0]),
        # Ravi: deals 3, 9; 18,000 + 400; due: deal 9; nothing won; 8,000 / 80,000; Apex (touched
        # 10-01, deal 3) and Umbrella (11-15, deal 9) are neither quiet nor without pipeline
        (RAVI, [D(68000), D(18400), D(8000), D(0), D(80000), 0.0, 0.1, 0, 0]),
        # Sam: deal 4 (Qualification 0.15); won deal 5 (10,000); 40,000 / (60,000 - 10,000)
        (SAM, [D(40000), D(6000), D(40000), D(10000), D(60000), 0.1667, 0.8, 1, 1]),
        # everyone: 130,900 + 6,000; due 158,000 + 40,000; 30,000 / 240,000; 198,000 / 210,000
        (OLGA, [D(258000), D(136900), D(198000), D(30000), D(240000), 0.125, 0.9429, 1, 1]),
        (VERA, [D(258000), D(136900), D(198000), D(30000), D(240000), 0.125, 0.9429, 1, 1]),
    ],
    ids=["rita", "ravi", "sam", "olga", "vera"],
)
def test_summary_counts_only_what_the_viewer_sees(
    repo: Repository, viewer: Viewer, expected: list[Any]
) -> None:
    result = summary(repo, viewer)
    assert [
        *values(
            result.open_pipeline,
            result.weighted_pipeline,
            result.pipeline_due_in_period,
            result.bookings,
            result.quota,
            result.attainment,
            result.pipeline_coverage,
        ),
        result.no_activity_60_days.accounts.value,
        result.no_open_pipeline.accounts.value,
    ] == expected


def test_summary_coverage_gaps_name_the_accounts(repo: Repository, territory_repo: Repository) -> None:
    assert summary(repo, RITA).no_open_pipeline.largest == []  # private: Acme alone, with open deals
    rita = summary(territory_repo, RITA)
    # territory sharing: Rita logged nothing on Apex or Umbrella and has no deal there
    assert [a.name for a in rita.no_activity_60_days.largest] == ["Apex Health", "Umbrella Health"]
    assert [a.name for a in rita.no_open_pipeline.largest] == ["Apex Health", "Umbrella Health"]
    sam = summary(repo, SAM)
    assert [a.name for a in sam.no_activity_60_days.largest] == ["Initech"]  # never touched
    assert sam.no_open_pipeline.accounts.record_ids == ["account/4"]


def test_summary_of_last_quarter(repo: Repository) -> None:
    result = summary(repo, MAX, "West Enterprise", "last quarter")
    # 2026-Q3: nothing won; quota Rita 90,000 + Ravi 70,000; nothing due in Q3
    assert result.period.label == "2026-Q3"
    assert values(result.bookings, result.quota, result.attainment) == [D(0), D(160000), 0.0]
    assert values(result.pipeline_due_in_period, result.pipeline_coverage) == [D(0), 0.0]


def test_summary_names_and_defaults(repo: Repository) -> None:
    with pytest.raises(UnknownName, match=r"^no territory named 'East Commercial'$"):
        summary(repo, MAX, "East Commercial")  # exists, outside Max's scope
    with pytest.raises(UnknownName, match=r"^no territory named 'North Pole'$"):
        summary(repo, MAX, "North Pole")
    ghost = Viewer(user_id=999, role=Role.REP, name="Ghost")
    with pytest.raises(InputError, match="you have no territory of your own; name one"):
        summary(repo, ghost)
    with pytest.raises(InputError, match="unknown period 'someday'"):
        summary(repo, OLGA, period="someday")
    assert [t.name for t in summary(repo, OLGA, "east").territories] == ["East Commercial"]


def test_a_managers_territory_totals_are_the_sum_of_their_reports(repo: Repository) -> None:
    def totals(viewer: Viewer) -> list[Decimal]:
        result = summary(repo, viewer)
        figures = (result.open_pipeline, result.weighted_pipeline, result.bookings, result.quota)
        return [money(f.value) for f in figures] + [money(result.open_deals.value)]

    def added(a: list[Decimal], b: list[Decimal]) -> list[Decimal]:
        return [x + y for x, y in zip(a, b, strict=True)]

    assert totals(MAX) == added(totals(RITA), totals(RAVI))
    assert totals(MO) == totals(SAM)
    assert totals(VERA) == added(totals(MAX), totals(MO)) == totals(OLGA)
    west = {
        who.name: list_territories(repo, who, TerritoryListInput()).territories[0]
        for who in (MAX, RITA, RAVI)
    }
    assert money(west["Max Stone"].open_pipeline.value) == money(
        west["Rita Ruiz"].open_pipeline.value
    ) + money(west["Ravi Rao"].open_pipeline.value)


# --- balance --------------------------------------------------------------------------------


def _spread(spreads: list[Spread], measure: str) -> list[Any]:
    s = next(x for x in spreads if x.measure == measure)
    return [
        *values(s.mean, s.standard_deviation, s.spread, s.coefficient_of_variation),
        [(o.name, o.deviation.value) for o in s.outside_band],
    ]


def test_balance_across_every_territory(repo: Repository) -> None:
    result = balance(repo, OLGA)
    lines = {line.name: line for line in result.reps}
    # potential: accounts owned; workload: Enterprise 4, Mid-Market 2 per account x tier (A 1.5, B 1,
    # C 0.5) + open deals
    # Ravi: Apex + Umbrella = 400,000; 4 (B) + 2 (C) + 2 deals = 8; open 60,000 + 8,000; won nothing
    # Rita: Acme 400,000; 6 (A) + 2 deals = 8; open 150,000; won deal 6 (20,000)
    # Sam: Globex + Initech = 150,000; 2 + 2 + 1 deal = 5; open 40,000; won deal 5 (10,000)
    assert {n: values(x.potential, x.workload, x.open_pipeline, x.bookings) for n, x in lines.items()} == {
        "Ravi Rao": [D(400000), 8, D(68000), D(0)],
        "Rita Ruiz": [D(400000), 8, D(150000), D(20000)],
        "Sam Reyes": [D(150000), 5, D(40000), D(10000)],
    }
    assert lines["Ravi Rao"].territory == "West Enterprise"
    assert lines["Ravi Rao"].workload.formula.endswith("= 6 + 2")
    # potential: mean 950,000 / 3 = 316,666.67; population sd sqrt((83,333.33^2 x 2 + 166,666.67^2) / 3)
    # = 117,851.13; spread 400,000 - 150,000; CV 117,851.13 / 316,666.67 = 0.3722; all three off by > 10%
    assert _spread(result.rep_spread, "potential") == [
        D("316666.67"),
        D("117851.13"),
        D("250000.00"),
        0.3722,
        [("Sam Reyes", -0.5263), ("Ravi Rao", 0.2632), ("Rita Ruiz", 0.2632)],  # largest first
    ]
    # workload 8, 8, 5: mean 7, sd sqrt((1 + 1 + 4) / 3) = 1.41, spread 3, CV 0.2020
    assert _spread(result.rep_spread, "workload") == [
        7.0,
        1.41,
        3.0,
        0.202,
        [("Sam Reyes", -0.2857), ("Ravi Rao", 0.1429), ("Rita Ruiz", 0.1429)],
    ]
    territories = {line.name: line for line in result.territory_lines}
    # West: 3 Enterprise accounts (6 + 4 + 2) + 4 open deals; East: 2 Mid-Market (4) + 1 open deal
    assert values(territories["West Enterprise"].workload, territories["East Commercial"].workload) == [16, 5]
    # territory bookings 20,000 and 10,000: mean 15,000, sd 5,000, CV 0.3333, both outside the band
    assert _spread(result.territory_spread, "bookings") == [
        D("15000.00"),
        D("5000.00"),
        D("10000.00"),
        0.3333,
        [("East Commercial", -0.3333), ("West Enterprise", 0.3333)],
    ]


def test_balance_for_a_manager_and_a_rep(repo: Repository, territory_repo: Repository) -> None:
    team = balance(repo, MAX)
    assert [line.name for line in team.reps] == ["Ravi Rao", "Rita Ruiz"]
    # open pipeline 68,000 and 150,000: mean 109,000, sd 41,000, spread 82,000, CV 0.3761
    assert _spread(team.rep_spread, "open_pipeline") == [
        D("109000.00"),
        D("41000.00"),
        D("82000.00"),
        0.3761,
        [("Ravi Rao", -0.3761), ("Rita Ruiz", 0.3761)],
    ]
    assert _spread(team.rep_spread, "potential")[1:] == [D("0.00"), D("0.00"), 0.0, []]  # 400,000 each
    own = balance(repo, RITA)
    assert [line.name for line in own.reps] == ["Rita Ruiz"]
    (west,) = own.territory_lines
    # West through Rita's eyes (private sharing): Acme (Enterprise, tier A: 6) and her 2 open deals
    assert values(west.potential, west.workload, west.open_pipeline, west.bookings) == [
        D(400000),
        8,
        D(150000),
        D(20000),
    ]
    (west,) = balance(territory_repo, RITA).territory_lines
    # territory sharing: all 3 West accounts (12) but only her 2 open deals
    assert values(west.potential, west.workload, west.open_pipeline, west.bookings) == [
        D(800000),
        14,
        D(150000),
        D(20000),
    ]
    # a manager's rep lines are exactly what each rep sees of themselves
    for line in team.reps:
        (mine,) = balance(repo, RITA if line.name == "Rita Ruiz" else RAVI).reps
        assert values(line.potential, line.workload, line.open_pipeline, line.bookings) == values(
            mine.potential, mine.workload, mine.open_pipeline, mine.bookings
        )
    with pytest.raises(UnknownName):
        balance(repo, RITA, "East Commercial")


def test_balance_lists_at_most_limit_lines_but_counts_everyone(repo: Repository) -> None:
    result = territory_balance(repo, OLGA, TerritoryBalanceInput(limit=1))
    assert result.rep_count.value == 3
    assert [line.name for line in result.reps] == ["Ravi Rao"]  # 400,000, ties with Rita broken by name
    potential = next(s for s in result.rep_spread if s.measure == "potential")
    assert potential.mean.value == D("316666.67")  # still over all three reps
    assert potential.outside_band_count.value == 3
    assert [o.name for o in potential.outside_band] == ["Sam Reyes"]
    assert potential.outside_band[0].deviation.formula == "potential $150,000 / mean $316,667 - 1"


# --- agreement with the reference on a generated data set ----------------------------------


@pytest.fixture(scope="module", params=list(Sharing), ids=[s.value for s in Sharing])
def generated(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[tuple[Repository, Reference]]:
    with generated_crm(tmp_path_factory.mktemp("generated"), request.param) as built:
        yield built


def _territories_of(ref: Reference, seen: Seen, default: bool) -> set[int]:
    if seen.home_territories is None:
        return {t["id"] for t in ref.territories}
    return seen.home_territories if default else seen.territories


def _weighted(deals: list[dict[str, Any]]) -> Decimal:
    return money(sum(money(o["amount"]) * D(str(o["probability"] or 0)) for o in deals))


def _total(rows: list[dict[str, Any]], column: str) -> Decimal:
    return money(sum(money(r[column]) for r in rows))


def _won_in_q4(deals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in deals if o["is_won"] and Q4[0] <= _day(o["closed_at"]) < Q4[1]]


@pytest.mark.parametrize("who", ["revops", "manager", "rep", "other rep"])
def test_list_agrees_with_the_reference(generated: tuple[Repository, Reference], who: str) -> None:
    repo, ref = generated
    viewer = persona(ref, who)
    seen = ref.seen(viewer)
    result = list_territories(repo, viewer, TerritoryListInput())
    assert {int(t.id.split("/")[1]) for t in result.territories} == _territories_of(ref, seen, default=False)
    for line in result.territories:
        tid = int(line.id.split("/")[1])
        accounts = [a for a in seen.accounts if a["territory_id"] == tid]
        ids = {a["id"] for a in accounts}
        deals = [o for o in seen.opportunities if o["account_id"] in ids and not o["is_closed"]]
        reps = [
            u for u in ref.users if u["id"] in seen.users and u["role"] == "rep" and u["territory_id"] == tid
        ]
        assert values(line.accounts, line.reps, line.potential, line.open_pipeline) == [
            len(accounts),
            len(reps),
            _total(accounts, "potential"),
            _total(deals, "amount"),
        ]
        assert line.open_pipeline.record_count == len(deals)


@pytest.mark.parametrize("who", ["revops", "manager", "rep", "other rep"])
def test_summary_agrees_with_the_reference(generated: tuple[Repository, Reference], who: str) -> None:
    repo, ref = generated
    viewer = persona(ref, who)
    seen = ref.seen(viewer)
    tids = _territories_of(ref, seen, default=True)
    result = summary(repo, viewer)
    assert {int(t.id.split("/")[1]) for t in result.territories} == tids
    accounts = [a for a in seen.accounts if a["territory_id"] in tids]
    ids = {a["id"] for a in accounts}
    deals = [o for o in seen.opportunities if o["account_id"] in ids]
    opens = [o for o in deals if not o["is_closed"]]
    due = [o for o in opens if o["close_date"] and Q4[0] <= _day(o["close_date"]) < Q4[1]]
    won = _won_in_q4(deals)
    homes = {u["id"] for u in ref.users if u["id"] in seen.users and u["territory_id"] in tids}
    quota = _total([q for q in ref.quotas if q["user_id"] in homes and q["period"] == "2026-Q4"], "amount")
    booked = _total(won, "amount")
    due_total = _total(due, "amount")
    assert values(result.accounts, result.potential) == [len(accounts), _total(accounts, "potential")]
    for breakdown, column in ((result.by_segment, "segment"), (result.by_industry, "industry")):
        assert {b.label: b.accounts.value for b in breakdown} == {
            k: sum(1 for a in accounts if a[column] == k) for k in {a[column] for a in accounts}
        }
    assert values(result.open_deals, result.open_pipeline, result.weighted_pipeline) == [
        len(opens),
        _total(opens, "amount"),
        _weighted(opens),
    ]
    assert values(result.pipeline_due_in_period, result.bookings, result.quota) == [due_total, booked, quota]
    assert result.attainment.value == (round(float(booked) / float(quota), 4) if quota else None)
    remaining = max(D(0), quota - booked)
    assert result.pipeline_coverage.value == (
        round(float(due_total) / float(remaining), 4) if remaining else None
    )
    since = ref.as_of - dt.timedelta(days=60)
    touched = {a["account_id"] for a in seen.activities if _day(a["occurred_at"]) >= since}
    covered = {o["account_id"] for o in opens}
    assert result.no_activity_60_days.accounts.value == len(ids - touched)
    assert result.no_open_pipeline.accounts.value == len(ids - covered)
    top = sorted(accounts, key=lambda a: (-money(a["potential"]), a["id"]))[:10]
    assert [(t.id, t.open_pipeline.value) for t in result.top_accounts] == [
        (f"account/{a['id']}", _total([o for o in opens if o["account_id"] == a["id"]], "amount"))
        for a in top
    ]


def _stats(numbers: list[Decimal]) -> tuple[Decimal, Decimal, Decimal, float | None]:
    mean = sum(numbers, D(0)) / len(numbers)
    sd = statistics.pstdev(numbers)
    return mean, sd, max(numbers) - min(numbers), (round(float(sd / mean), 4) if mean else None)


@pytest.mark.parametrize("who", ["revops", "manager", "rep"])
def test_balance_agrees_with_the_reference(generated: tuple[Repository, Reference], who: str) -> None:
    repo, ref = generated
    viewer = persona(ref, who)
    seen = ref.seen(viewer)
    result = balance(repo, viewer)
    weights = {"SMB": 1, "Mid-Market": 2, "Enterprise": 4}
    tiers = {"A": 1.5, "B": 1, "C": 0.5}
    reps = [u for u in ref.users if u["id"] in seen.users and u["role"] == "rep"]
    assert sorted(line.id for line in result.reps) == sorted(f"user/{u['id']}" for u in reps)
    expected: dict[str, list[Any]] = {}
    for rep in reps:
        owned = [a for a in seen.accounts if a["owner_id"] == rep["id"]]
        deals = [o for o in seen.opportunities if o["owner_id"] == rep["id"]]
        opens = [o for o in deals if not o["is_closed"]]
        expected[f"user/{rep['id']}"] = [
            _total(owned, "potential"),
            sum(weights.get(a["segment"], 1) * tiers.get(a["tier"], 1) for a in owned) + len(opens),
            _total(opens, "amount"),
            _total(_won_in_q4(deals), "amount"),
        ]
    assert {
        line.id: values(line.potential, line.workload, line.open_pipeline, line.bookings)
        for line in result.reps
    } == expected
    for index, measure in enumerate(("potential", "workload", "open_pipeline", "bookings")):
        numbers = [D(str(v[index])) for v in expected.values()]
        mean, sd, spread, cv = _stats(numbers)
        spread_line = next(s for s in result.rep_spread if s.measure == measure)
        assert money(spread_line.mean.value) == money(mean)
        assert money(spread_line.standard_deviation.value) == money(sd)
        assert money(spread_line.spread.value) == money(spread)
        assert spread_line.coefficient_of_variation.value == cv
        outside = {k for k, v in expected.items() if mean and abs(D(str(v[index])) - mean) > D("0.1") * mean}
        assert spread_line.outside_band_count.value == len(outside)
        assert {o.id for o in spread_line.outside_band} <= outside
        assert len(spread_line.outside_band) == min(len(outside), 50)
    for line in result.territory_lines:
        tid = int(line.id.split("/")[1])
        accounts = [a for a in seen.accounts if a["territory_id"] == tid]
        ids = {a["id"] for a in accounts}
        deals = [o for o in seen.opportunities if o["account_id"] in ids]
        opens = [o for o in deals if not o["is_closed"]]
        assert values(line.potential, line.workload, line.open_pipeline, line.bookings) == [
            _total(accounts, "potential"),
            sum(weights.get(a["segment"], 1) * tiers.get(a["tier"], 1) for a in accounts) + len(opens),
            _total(opens, "amount"),
            _total(_won_in_q4(deals), "amount"),
        ]
