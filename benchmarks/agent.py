"""Benchmark: the agent loop's own overhead per turn (scripted model, warm), and model calls per answer.

A scripted chat model stands in for the LLM, so the figure is what Salesplan adds around a
model: building the agent, the prompt, tool dispatch, the checkpointer and answer assembly.
Baseline, measured in the same run: calling the same tool functions directly.

    python -m benchmarks.agent [--turns N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from assistant.offline import OfflinePlanner
from assistant.service import AssistantService
from assistant.settings import Settings
from assistant.testing import ScriptedChatModel, tool_call
from benchmarks.common import median, report
from tools.deals.stalled import StalledQuery, stalled_deals
from tools.store.db import ensure_schema, make_engine
from tools.store.demo.generate import DEFAULT_AS_OF, generate_dataset
from tools.store.repository import Repository
from tools.store.schema import Role
from tools.store.stages import load_stages
from tools.territory import TerritoryListInput, list_territories
from tools.viewer import Viewer

FLOWS = {
    "one tool, then answer": [[tool_call("stalled_deals", {})], "Here are your stalled deals."],
    "two parallel tools, then answer": [
        [tool_call("stalled_deals", {}), tool_call("list_territories", {})],
        "Stalled deals and territories.",
    ],
    "answer without tools": ["Hello! Ask me about your pipeline."],
}


def main(turns: int = 30) -> None:
    with tempfile.TemporaryDirectory(prefix="salesplan-bench-") as tmp:
        home = Path(tmp)
        engine = make_engine(f"sqlite:///{home / 'crm.db'}")
        ensure_schema(engine)
        generate_dataset(engine, load_stages(), accounts=2_000)
        repo = Repository(engine, load_stages(), DEFAULT_AS_OF)
        with engine.connect() as connection:
            from sqlalchemy import text

            uid, name = connection.execute(
                text("SELECT id, name FROM users WHERE role = 'rep' LIMIT 1")
            ).one()
        viewer = Viewer(user_id=uid, role=Role.REP, name=name)
        model = ScriptedChatModel()
        settings = Settings(home=home, model="openai:scripted", openai_api_key="unused")  # type: ignore[arg-type]
        service = AssistantService(
            settings,
            repository=lambda: repo,
            playbook=lambda: None,
            model_factory=lambda n: OfflinePlanner() if n == "offline" else model,
        )
        rows = []
        baseline: list[float] = []
        for _ in range(turns):
            started = time.perf_counter()
            stalled_deals(repo, viewer, StalledQuery())
            list_territories(repo, viewer, TerritoryListInput())
            baseline.append(time.perf_counter() - started)
        base = median(baseline)
        for label, flow in FLOWS.items():
            samples, calls = [], []
            for turn in range(turns + 1):
                model.extend(list(flow))
                seen_before = len(model.seen)
                started = time.perf_counter()
                service.ask(viewer, "benchmark question", thread_id=f"bench-{label}-{turn}")
                if turn:  # the first turn warms up
                    samples.append(time.perf_counter() - started)
                calls.append(len(model.seen) - seen_before)
            rows.append(
                (f"{label}: turn p50", f"{median(samples) * 1000:,.1f} ms, {median(calls):.0f} model calls")
            )
        rows.append(("baseline: the two tool functions called directly", f"{base * 1000:,.1f} ms"))
        engine.dispose()
    report(f"Agent loop overhead (scripted model, warm, {turns} turns each)", rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--turns", type=int, default=30)
    main(parser.parse_args().turns)
