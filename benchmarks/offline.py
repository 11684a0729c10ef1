"""Benchmark: the offline planner answering questions, in-process (warm) and from the command line (cold).

Figures, on the default demo data set (2,000 accounts, about 8,600 opportunities):

* ``AssistantService.ask`` with ``SALESPLAN_MODEL=offline``, warm, per question and overall:
  median latency, against a baseline measured in the same run: calling the same tool functions
  with the same arguments directly (what any answer must pay; target: the median ask within
  2.5x the tools alone);
* start-up, each command in a fresh process, interleaved: ``salesplan --help`` (the baseline:
  the interpreter and the CLI alone; target: under 0.6 s), a data command (``salesplan deals
  stalled --json``; target: within 1.3x ``--help``) and ``salesplan ask`` for a data question
  (target: within 2x ``--help``, under 3 s).

    python -m benchmarks.offline [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from assistant.bootstrap import AppContext, build_app_context
from assistant.toolkit import TOOLS
from benchmarks.common import median, report
from tools.store.demo.generate import generate_dataset
from tools.store.schema import Opportunity, Role, User
from tools.viewer import Viewer

QUESTIONS = {
    Role.REP: (
        "Which of my deals are stalled?",
        "What's my pipeline by stage this quarter?",
        "what's my forecast?",
        "how am I doing this quarter?",
        "what are my 3 biggest deals?",
    ),
    Role.MANAGER: (
        "how is my team doing this quarter?",
        "pipeline by rep",
        "which deals on my team are stuck?",
    ),
}
CLI_QUESTION = "which of my deals are stalled?"
SPECS = {spec.name: spec for spec in TOOLS}


def _people(context: AppContext) -> dict[Role, Viewer]:
    """The rep with the most open deals, and their manager."""
    with context.engine.connect() as connection:
        rep_id = connection.execute(
            select(Opportunity.owner_id)
            .join(User, User.id == Opportunity.owner_id)
            .where(~Opportunity.is_closed, User.role == Role.REP.value)
            .group_by(Opportunity.owner_id)
            .order_by(func.count().desc())
            .limit(1)
        ).scalar_one()
        manager_id = connection.execute(select(User.manager_id).where(User.id == rep_id)).scalar_one()
        if manager_id is None:
            raise RuntimeError("the demo data should give every rep a manager")
        names = dict(
            connection.execute(select(User.id, User.name).where(User.id.in_([rep_id, manager_id]))).all()
        )
    return {
        Role.REP: Viewer(rep_id, Role.REP, names[rep_id]),
        Role.MANAGER: Viewer(manager_id, Role.MANAGER, names[manager_id]),
    }


def _direct(context: AppContext, viewer: Viewer, calls: list[tuple[str, dict[str, object]]]) -> float:
    """Seconds to run the tools an answer used, called directly with the same arguments."""
    started = time.perf_counter()
    for name, args in calls:
        spec = SPECS[name]
        params = spec.params.model_validate(args)
        if spec.kind == "data":
            spec.function(context.repository, viewer, params)
        elif spec.kind == "plain":
            spec.function(params)
    return time.perf_counter() - started


def in_process(context: AppContext, repeat: int) -> list[tuple[str, str]]:
    people = _people(context)
    rows: list[tuple[str, str]] = []
    every_ask: list[float] = []
    every_tool: list[float] = []
    for role, questions in QUESTIONS.items():
        viewer = people[role]
        for question in questions:
            answer = context.assistant.ask(viewer, question)  # warm-up, and the calls to replay
            calls = [(c.name, c.args) for c in answer.tool_calls]
            asks, tools = [], []
            for _ in range(repeat):
                started = time.perf_counter()
                context.assistant.ask(viewer, question)
                asks.append(time.perf_counter() - started)
                tools.append(_direct(context, viewer, calls))
            every_ask += asks
            every_tool += tools
            rows.append(
                (
                    f"{role.value}: {question!r} ({len(calls)} tool call{'s' if len(calls) != 1 else ''})",
                    f"{median(asks) * 1000:,.0f} ms vs tools alone {median(tools) * 1000:,.0f} ms "
                    f"= {median(asks) / median(tools):,.1f}x",
                )
            )
    rows.append(
        (
            f"all {len(every_ask)} warm asks: median",
            f"{median(every_ask) * 1000:,.0f} ms vs tools alone {median(every_tool) * 1000:,.0f} ms "
            f"= {median(every_ask) / median(every_tool):,.1f}x (target: within 2.5x)",
        )
    )
    return rows


def _wall(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def cold_cli(home: Path, rep: Viewer, repeat: int) -> list[tuple[str, str]]:
    executable = str(Path(sys.executable).with_name("salesplan"))
    env = {**os.environ, "SALESPLAN_HOME": str(home), "SALESPLAN_MODEL": "offline"}
    commands = {
        "help": [executable, "--help"],
        "data": [executable, "deals", "stalled", "--user", rep.name, "--json"],
        "ask": [executable, "ask", CLI_QUESTION, "--user", rep.name],
    }
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):  # interleaved, so all three see the same machine load
        for name, args in commands.items():
            samples[name].append(_wall(args, env))
    helps, data, asks = (median(samples[name]) for name in commands)
    return [
        ("baseline: salesplan --help (cold process)", f"{helps:,.2f} s (target: under 0.6 s)"),
        (
            "salesplan deals stalled --json (cold process)",
            f"{data:,.2f} s = {data / helps:,.2f}x --help (target: within 1.3x)",
        ),
        (
            f"salesplan ask {CLI_QUESTION!r} (cold process)",
            f"{asks:,.2f} s = {asks / helps:,.2f}x --help (target: within 2x, under 3 s)",
        ),
    ]


def main(repeat: int = 15) -> None:
    with tempfile.TemporaryDirectory(prefix="salesplan-bench-") as tmp:
        home = Path(tmp)
        context = build_app_context(home=home, model="offline")
        generate_dataset(context.engine, context.stages)
        rows = in_process(context, repeat)
        rows += cold_cli(home, _people(context)[Role.REP], max(5, repeat // 2))
        context.engine.dispose()
    report(f"Offline planner on the default demo data set (warm median of {repeat})", rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=15)
    main(parser.parse_args().repeat)
