"""Benchmark: drafting plans offline on the default demo data set (2,000 accounts, ~8,600 deals).

Figures, warm (the second and later drafts in one process), median of N:

* an account plan (the rep with the most open deals, their account with the most open pipeline)
  and a territory plan (that rep's manager, "my team"): drafting time, against a baseline measured
  in the same run — the account profile tool alone, and the territory summary tool alone (what a
  chat answer about the same account or territory costs);
* each plan's length: characters, words, sections, objectives, actions and cited records.

    python -m benchmarks.plans [--repeat N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from assistant.bootstrap import build_app_context
from assistant.plans.models import PlanDraft
from benchmarks.common import median, report
from tools.accounts.profile import AccountProfileInput, account_profile
from tools.store.demo.generate import generate_dataset
from tools.store.schema import Account, Opportunity, Role, User
from tools.territory.summary import TerritorySummaryInput, territory_summary
from tools.viewer import Viewer


def _timed(work: Callable[[], object], repeat: int) -> float:
    work()  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return median(times)


def _length(draft: PlanDraft) -> str:
    text = draft.markdown
    sections = sum(1 for line in text.splitlines() if line.startswith("## "))
    return (
        f"{len(text):,} characters, {len(text.split()):,} words, {sections} sections, "
        f"{len(draft.plan.objectives)} objectives, {len(draft.plan.actions)} actions, "
        f"{len(draft.citations)} citations"
    )


def main(repeat: int = 10) -> None:
    with tempfile.TemporaryDirectory(prefix="salesplan-bench-") as tmp:
        context = build_app_context(home=Path(tmp), model="offline")
        generate_dataset(context.engine, context.stages)
        with context.engine.connect() as connection:
            rep_id, manager_id, rep_name, account = connection.execute(
                select(User.id, User.manager_id, User.name, Account.name)
                .join(Opportunity, Opportunity.owner_id == User.id)
                .join(Account, Account.id == Opportunity.account_id)
                .where(~Opportunity.is_closed, User.role == Role.REP.value)
                .group_by(User.id, User.manager_id, User.name, Account.id, Account.name)
                .order_by(func.count().desc(), func.sum(Opportunity.amount).desc())
                .limit(1)
            ).one()
            manager_name = connection.execute(select(User.name).where(User.id == manager_id)).scalar_one()
        rep = Viewer(rep_id, Role.REP, rep_name)
        manager = Viewer(manager_id, Role.MANAGER, manager_name)
        service, repository = context.assistant, context.repository
        account_plan = _timed(lambda: service.plan_account(rep, account), repeat)
        profile = _timed(
            lambda: account_profile(repository, rep, AccountProfileInput(account=account)), repeat
        )
        territory_plan = _timed(lambda: service.plan_territory(manager, "my team"), repeat)
        summary = _timed(lambda: territory_summary(repository, manager, TerritorySummaryInput()), repeat)
        rows = [
            (
                f"account plan ({account}, by {rep_name})",
                f"{account_plan * 1000:,.0f} ms vs account profile alone {profile * 1000:,.0f} ms "
                f"= {account_plan / profile:,.1f}x",
            ),
            ("  length", _length(service.plan_account(rep, account))),
            (
                f"territory plan ({manager_name}'s team)",
                f"{territory_plan * 1000:,.0f} ms vs territory summary alone {summary * 1000:,.0f} ms "
                f"= {territory_plan / summary:,.1f}x",
            ),
            ("  length", _length(service.plan_territory(manager, "my team"))),
        ]
        context.engine.dispose()
    report(f"Offline plan drafting on the default demo data set (warm median of {repeat})", rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=10)
    main(parser.parse_args().repeat)
