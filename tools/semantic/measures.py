"""Measures: every number :func:`~tools.semantic.query.query_metrics` computes, declared once.

A measure names the records it reads (its *bases*: closed, open or created deals, activities,
quota rows, each anchored on its own date), the period it covers when none is asked for, and how
its value is aggregated from the records of one group (:mod:`tools.semantic.facts`). Its name,
unit and written definition are the metric registry's (:data:`tools.metrics.METRICS`), so "win
rate" reads the same here as in every other tool.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tools import metrics
from tools.evidence import Unit
from tools.semantic import facts as f
from tools.semantic.facts import Basis, Compute, Pick

#: How each basis is dated, for the result's notes.
DATED_BY = {
    Basis.CLOSED: "the day deals closed (closed_at)",
    Basis.OPEN: "expected close date (close_date)",
    Basis.CREATED: "the day deals were created (created_at)",
    Basis.ACTIVITY: "the day activities occurred (occurred_at)",
    Basis.QUOTA: "the quota quarters that start in the period",
    Basis.PEOPLE: "the team as it is today",
    Basis.ACCOUNTS: "the accounts as they are today",
    Basis.INSTALLED: "the products accounts run as they stand today",
}


class Default(StrEnum):
    """The period a measure covers when the query gives none."""

    FISCAL_YTD = "fiscal year to date"
    ALL_OPEN = "all open deals"
    QUARTER = "the current quarter"
    NOW = "the team as it is today"
    ACCOUNTS_NOW = "the accounts as they are today"


@dataclass(frozen=True)
class Measure:
    key: str
    #: The key of its written definition in :data:`tools.metrics.METRICS`.
    metric: str
    needs: tuple[Basis, ...]
    default: Default
    compute: Compute
    #: The records behind the value (cited and counted).
    behind: Pick
    #: Groups add up to the total (sums and counts), so a share of the total means something.
    additive: bool = False
    #: Reads deal amounts, so deals without one are reported.
    amounts: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return metrics.METRICS[self.metric].name

    @property
    def unit(self) -> Unit:
        return metrics.METRICS[self.metric].unit

    @property
    def formula(self) -> str:
        return metrics.METRICS[self.metric].definition


CLOSED, OPEN, CREATED = (Basis.CLOSED,), (Basis.OPEN,), (Basis.CREATED,)
INSTALLED = (Basis.INSTALLED,)
YTD, ALL_OPEN, QUARTER = Default.FISCAL_YTD, Default.ALL_OPEN, Default.QUARTER


def _sum(
    key: str, metric: str, needs: tuple[Basis, ...], default: Default, pick: Pick, *aliases: str
) -> Measure:
    return Measure(key, metric, needs, default, f.money(pick), pick, True, True, aliases)


def _count(key: str, needs: tuple[Basis, ...], default: Default, pick: Pick, *aliases: str) -> Measure:
    return Measure(key, key, needs, default, f.count(pick), pick, True, False, aliases)


def _value_win_rate(inputs: f.Inputs, as_of: object) -> f.Value:
    """Won amount over won and lost amount: how much of the money decided was won."""
    won, lost = f.total_amount(f.won(inputs)), f.total_amount(f.lost(inputs))
    if won is None or lost is None:
        return None
    return metrics.ratio(won, won + lost)


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        _sum(
            "won_revenue", "bookings", CLOSED, YTD, f.won, "bookings", "revenue", "closed won", "sales", "won"
        ),
        _count("won_deals", CLOSED, YTD, f.won, "wins", "deals won"),
        Measure(
            "won_accounts",
            "won_accounts",
            CLOSED,
            YTD,
            f.accounts_in(f.won),
            f.won,
            aliases=("customers won", "accounts won", "won customers", "won accounts"),
        ),
        _count("lost_deals", CLOSED, YTD, f.lost, "losses", "deals lost"),
        _sum("lost_revenue", "lost_revenue", CLOSED, YTD, f.lost, "lost amount"),
        _count("closed_deals", CLOSED, YTD, f.of(Basis.CLOSED), "deals closed"),
        Measure(
            "win_rate",
            "win_rate",
            CLOSED,
            YTD,
            lambda i, _: metrics.win_rate(len(f.won(i)), len(f.lost(i))),
            f.of(Basis.CLOSED),
            aliases=("win percentage", "close rate", "win ratio"),
        ),
        Measure(
            "win_rate_by_value",
            "win_rate_by_value",
            CLOSED,
            YTD,
            _value_win_rate,
            f.of(Basis.CLOSED),
            amounts=True,
            aliases=("value win rate", "dollar win rate", "win rate by amount", "win rate in dollars"),
        ),
        Measure(
            "loss_rate",
            "loss_rate",
            CLOSED,
            YTD,
            lambda i, _: metrics.ratio(len(f.lost(i)), len(f.won(i)) + len(f.lost(i))),
            f.of(Basis.CLOSED),
            aliases=("loss percentage", "loss ratio"),
        ),
        _sum(
            "open_pipeline",
            "open_pipeline",
            OPEN,
            ALL_OPEN,
            f.of(Basis.OPEN),
            "pipeline",
            "pipe",
            "open pipe",
        ),
        Measure(
            "weighted_pipeline",
            "weighted_pipeline",
            OPEN,
            ALL_OPEN,
            lambda i, _: f.weighted(i.get(Basis.OPEN, ())),
            f.of(Basis.OPEN),
            True,
            True,
            ("weighted", "weighted pipe"),
        ),
        _count("open_deals", OPEN, ALL_OPEN, f.of(Basis.OPEN), "open opportunities"),
        _sum(
            "pipeline_created",
            "pipeline_created",
            CREATED,
            YTD,
            f.of(Basis.CREATED),
            "new pipeline",
            "pipeline generated",
            "pipegen",
            "created pipeline",
        ),
        _count("deals_created", CREATED, YTD, f.of(Basis.CREATED), "new deals", "created deals"),
        Measure(
            "average_deal_size",
            "average_deal_size",
            CLOSED,
            YTD,
            lambda i, _: metrics.average(f.amounts(f.won(i))),
            f.won,
            amounts=True,
            aliases=("deal size", "avg deal size", "average deal", "asp", "mean deal size"),
        ),
        Measure(
            "average_lost_deal_size",
            "average_lost_deal_size",
            CLOSED,
            YTD,
            lambda i, _: metrics.average(f.amounts(f.lost(i))),
            f.lost,
            amounts=True,
            aliases=("lost deal size", "average lost deal", "avg lost deal size", "size of lost deals"),
        ),
        Measure(
            "median_deal_size",
            "median_deal_size",
            CLOSED,
            YTD,
            lambda i, _: f.median_amount(f.won(i)),
            f.won,
            amounts=True,
            aliases=("median deal",),
        ),
        Measure(
            "average_sales_cycle",
            "average_sales_cycle",
            CLOSED,
            YTD,
            lambda i, _: f.mean_days(f.cycles(f.won(i))),
            f.won,
            aliases=("avg sales cycle", "mean sales cycle", "average cycle"),
        ),
        Measure(
            "median_sales_cycle",
            "sales_cycle",
            CLOSED,
            YTD,
            lambda i, _: metrics.median_days(f.cycles(f.won(i))),
            f.won,
            aliases=("sales cycle", "cycle", "cycle time", "time to close"),
        ),
        Measure(
            "average_lost_cycle",
            "average_lost_cycle",
            CLOSED,
            YTD,
            lambda i, _: f.mean_days(f.cycles(f.lost(i))),
            f.lost,
            aliases=("lost cycle", "time to loss", "time to lose", "cycle of lost deals"),
        ),
        Measure(
            "average_days_in_stage",
            "average_days_in_stage",
            OPEN,
            ALL_OPEN,
            lambda i, as_of: f.mean_days(f.days_in_stage(i.get(Basis.OPEN, ()), as_of)),
            f.of(Basis.OPEN),
            aliases=("days in stage", "time in stage", "stage age"),
        ),
        Measure(
            "average_deal_age",
            "average_deal_age",
            OPEN,
            ALL_OPEN,
            lambda i, as_of: f.mean_days(f.ages(i.get(Basis.OPEN, ()), as_of)),
            f.of(Basis.OPEN),
            aliases=("deal age", "age", "open deal age", "how old"),
        ),
        Measure(
            "quota",
            "quota",
            (Basis.QUOTA,),
            QUARTER,
            lambda i, _: f.quota(i),
            f.of(Basis.QUOTA),
            True,
            aliases=("target", "quotas"),
        ),
        Measure(
            "attainment",
            "attainment",
            (Basis.CLOSED, Basis.QUOTA),
            QUARTER,
            f.attainment,
            lambda i: f.won(i) + f.of(Basis.QUOTA)(i),
            amounts=True,
            aliases=("quota attainment", "percent to quota", "attainment to quota"),
        ),
        Measure(
            "coverage",
            "pipeline_coverage",
            (Basis.OPEN, Basis.CLOSED, Basis.QUOTA),
            QUARTER,
            f.coverage,
            lambda i: f.of(Basis.OPEN)(i) + f.of(Basis.QUOTA)(i),
            amounts=True,
            aliases=("pipeline coverage", "coverage ratio"),
        ),
        _count("activities", (Basis.ACTIVITY,), YTD, f.of(Basis.ACTIVITY), "activity", "activity count"),
        _count("reps", (Basis.PEOPLE,), Default.NOW, f.of(Basis.PEOPLE), "headcount", "sellers", "agents"),
        _sum(
            "active_arr",
            "active_arr",
            INSTALLED,
            Default.ACCOUNTS_NOW,
            f.running,
            "arr",
            "annual recurring revenue",
            "recurring revenue",
            "installed base",
        ),
        _sum("churned_arr", "churned_arr", INSTALLED, Default.ACCOUNTS_NOW, f.churned, "churn", "lost arr"),
        _count("churned_products", INSTALLED, Default.ACCOUNTS_NOW, f.churned, "churns", "churned"),
        # by product: how many accounts own it ("which products do our customers own most")
        _count(
            "active_products",
            INSTALLED,
            Default.ACCOUNTS_NOW,
            f.running,
            "products owned",
            "installed products",
            "accounts per product",
        ),
        _count(
            "accounts",
            (Basis.ACCOUNTS,),
            Default.ACCOUNTS_NOW,
            f.of(Basis.ACCOUNTS),
            "account count",
            "number of accounts",
            "customers",
            "companies",
        ),
    )
}
#: Measures of what accounts run (counted over installed products, whose people are accounts).
INSTALLED_BASE = frozenset(key for key, m in MEASURES.items() if Basis.INSTALLED in m.needs)
