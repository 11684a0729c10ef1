"""The demo sales organisation: territories (regions x sales segments), a VP of sales, regional
managers (each leading up to ``REPS_PER_MANAGER`` reps), reps and a RevOps analyst.

Reps get a random "capacity" weight, so account ownership is deliberately uneven: the data has
real imbalance for the territory-balance tools to find.

Everyone has a hire date. Most reps joined years before the data's history starts; in each region
the rep with the smallest weight (the smallest book) is a new hire, hired
:data:`NEW_HIRE_DAYS` days before the as-of date, who took over the book — deals and their history
included — of a rep who left. The new hires are still ramping when the next quarter starts
(:mod:`tools.rebalance.ramp`).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from typing import Any

from tools.store.demo import reference as ref
from tools.store.schema import Role

#: Accounts per rep, which sets the number of reps for large data sets.
ACCOUNTS_PER_REP = 83
REPS_PER_MANAGER = 10
#: How long before the as-of date a new hire joined, and a veteran (before the history starts).
NEW_HIRE_DAYS = (20, 120)
VETERAN_DAYS = (800, 3000)


@dataclass
class Org:
    """The sales organisation: territories, users, and each territory's reps with their weights."""

    territories: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    #: territory id -> [(rep id, weight)]
    reps_by_territory: dict[int, list[tuple[int, float]]] = field(default_factory=dict)


def _unique_person(rng: random.Random, taken: set[str]) -> str:
    for _ in range(50):
        name = f"{rng.choice(ref.FIRST_NAMES)} {rng.choice(ref.LAST_NAMES)}"
        if name not in taken:
            taken.add(name)
            return name
    name = f"{rng.choice(ref.FIRST_NAMES)} {chr(65 + len(taken) % 26)}. {rng.choice(ref.LAST_NAMES)}"
    suffix = 2
    while name in taken:
        name, suffix = f"{name.rsplit(' ', 1)[0]} {suffix}", suffix + 1
    taken.add(name)
    return name


def _email(name: str) -> str:
    local = ".".join(part.strip(".").lower() for part in name.split())
    return f"{local}@{ref.EMAIL_DOMAIN}"


def build_org(accounts: int, seed: int, as_of: dt.date) -> Org:
    """Territories, a VP of sales, regional managers, reps and a RevOps analyst, with hire dates."""
    rng = random.Random(f"{seed}:org")
    org, people = Org(), set[str]()
    n_reps = max(24, round(accounts / ACCOUNTS_PER_REP))
    n_territories = len(ref.REGIONS) * len(ref.SALES_SEGMENTS)
    next_user = 1

    def add_user(role: Role, manager: int | None, territory: int | None) -> int:
        nonlocal next_user
        name = _unique_person(rng, people)
        uid, next_user = next_user, next_user + 1
        org.users.append(
            {
                "id": uid,
                "external_id": f"U{uid:05d}",
                "name": name,
                "email": _email(name),
                "role": role.value,
                "manager_id": manager,
                "territory_id": territory,
                "slack_user_id": None,
                "hire_date": None,
            }
        )
        return uid

    vp = add_user(Role.MANAGER, None, None)
    add_user(Role.REVOPS, None, None)
    tid = 0
    for region in ref.REGIONS:
        region_reps = math.ceil(n_reps / n_territories) * len(ref.SALES_SEGMENTS)
        managers = [
            add_user(Role.MANAGER, vp, None) for _ in range(math.ceil(region_reps / REPS_PER_MANAGER))
        ]
        for slot, sales_segment in enumerate(ref.SALES_SEGMENTS):
            tid += 1
            org.territories.append(
                {
                    "id": tid,
                    "external_id": f"T{tid:03d}",
                    "name": f"{region} {sales_segment}",
                    "region": region,
                    "segment": sales_segment,
                    "parent_id": None,
                }
            )
            per_territory = region_reps // len(ref.SALES_SEGMENTS)
            org.reps_by_territory[tid] = [
                (
                    add_user(Role.REP, managers[(slot * per_territory + k) // REPS_PER_MANAGER], tid),
                    rng.uniform(0.55, 1.6),
                )
                for k in range(per_territory)
            ]
    _hire(org, seed, as_of)
    return org


def _hire(org: Org, seed: int, as_of: dt.date) -> None:
    """Hire dates: the rep with the smallest weight of each region is a new hire, the rest veterans
    (a random stream of its own, so the rest of the data is the same with or without them)."""
    rng = random.Random(f"{seed}:hires")
    new: set[int] = set()
    for region in ref.REGIONS:
        weights = [
            (weight, rep)
            for territory in org.territories
            if territory["region"] == region
            for rep, weight in org.reps_by_territory[int(territory["id"])]
        ]
        if len(weights) > 1:
            new.add(min(weights)[1])
    for user in org.users:
        days = rng.randint(*NEW_HIRE_DAYS) if user["id"] in new else rng.randint(*VETERAN_DAYS)
        user["hire_date"] = as_of - dt.timedelta(days=days)
