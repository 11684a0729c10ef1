"""Benchmark: finding an account by the name someone typed, in a large book (default 70,000 accounts).

Figures (warm, medians), each against baselines measured in the same run:

* ``account_profile`` for an account named exactly, for RevOps (every account in scope) and for
  the account's rep (target: under 20 ms at 70,000 accounts);
* resolving the name alone, typed exactly, in lower case, with a typo, and a name that matches
  nothing;
* baselines: the indexed ``SELECT id FROM accounts WHERE name = ?``, and the way names were
  resolved before the account-name index (every name in scope read and normalised, then
  matched: ``best_match`` over all of them).

    python -m benchmarks.names [--accounts N]

The data set (``--accounts`` accounts, one opportunity each) is kept in ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select, text

from benchmarks.common import median, report
from tools.accounts import AccountProfileInput, account_profile
from tools.errors import InputError
from tools.resolve import _names, best_match, resolve_account
from tools.store.db import ensure_schema, make_engine
from tools.store.demo.generate import DEFAULT_AS_OF, generate_dataset
from tools.store.repository import Repository
from tools.store.schema import Account, Role, User
from tools.store.stages import load_stages
from tools.viewer import Viewer

RESULTS = Path(__file__).with_name("results")


def timed(action: Callable[[], object], repeat: int) -> float:
    action()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return median(samples)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.2f} ms"


def _missing(action: Callable[[], object]) -> Callable[[], object]:
    def run() -> object:
        try:
            return action()
        except InputError as exc:  # no such name, or several close ones
            return exc

    return run


def main(accounts: int = 70_000, repeat: int = 15) -> None:
    RESULTS.mkdir(exist_ok=True)
    engine = make_engine(f"sqlite:///{RESULTS / f'names-{accounts}.db'}")
    ensure_schema(engine)
    with engine.connect() as connection:
        present = connection.execute(select(func.count(Account.id))).scalar_one()
    if present < accounts:
        started = time.perf_counter()
        generate_dataset(engine, load_stages(), accounts=accounts, opportunities=accounts)
        print(f"  (generated {accounts:,} accounts in {time.perf_counter() - started:,.0f} s)")
    repo = Repository(engine, load_stages(), DEFAULT_AS_OF)
    with engine.connect() as connection:
        revops_id, revops_name = connection.execute(
            select(User.id, User.name).where(User.role == Role.REVOPS.value)
        ).one()
        name, owner_id, owner_name = connection.execute(
            select(Account.name, User.id, User.name)
            .join(User, User.id == Account.owner_id)
            .where(User.role == Role.REP.value)
            .order_by(Account.id.desc())
            .limit(1)
        ).one()
    revops = Viewer(revops_id, Role.REVOPS, revops_name)
    rep = Viewer(owner_id, Role.REP, owner_name)
    first, _, rest = name.partition(" ")
    typo = f"{first[0]}{first[2]}{first[1]}{first[3:]} {rest}".strip()  # two letters swapped

    def indexed() -> object:
        with engine.connect() as connection:
            return connection.execute(
                text("SELECT id FROM accounts WHERE name = :name"), {"name": name}
            ).first()

    def every_name() -> object:
        return best_match("account", name, _names(repo, repo.accounts(revops, Account.id, Account.name)))

    profile = timed(lambda: account_profile(repo, revops, AccountProfileInput(account=name)), repeat)
    profile_rep = timed(lambda: account_profile(repo, rep, AccountProfileInput(account=name)), repeat)
    base = timed(indexed, repeat)
    before = timed(every_name, max(3, repeat // 5))
    rows = [
        (f"account_profile({name!r}), revops", ms(profile) + " (target: under 20 ms)"),
        (f"account_profile({name!r}), its rep", ms(profile_rep)),
        ("resolve the name alone, exact", ms(timed(lambda: resolve_account(repo, revops, name), repeat))),
        ("  ... in lower case", ms(timed(lambda: resolve_account(repo, revops, name.lower()), repeat))),
        (
            f"  ... with a typo ({typo!r})",
            ms(timed(_missing(lambda: resolve_account(repo, revops, typo)), repeat)),
        ),
        (
            "  ... a name that matches nothing",
            ms(timed(_missing(lambda: resolve_account(repo, revops, "Zzyzx Qq")), repeat)),
        ),
        ("baseline: SELECT id FROM accounts WHERE name = ? (indexed)", ms(base)),
        ("baseline: every name in scope read and matched (before the index)", ms(before)),
        ("account_profile / every-name resolution alone", f"{profile / before:.3f}"),
    ]
    engine.dispose()
    report(f"Account names at {accounts:,} accounts (SQLite, warm, median of {repeat})", rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--accounts", type=int, default=70_000)
    parser.add_argument("--repeat", type=int, default=15)
    arguments = parser.parse_args()
    main(arguments.accounts, arguments.repeat)
