"""A member of the last answer's table named by its rank: "in the best region, which team did best",
"for the top revenue sector, which product sells best", "break the best month down by product",
"for the lowest one, what are the top loss reasons".

Read as a fresh question, "the best region" is a ranking of its own and the member the asker means
is lost. Here the phrase is replaced by the member before the question is read: the rows of the
last answer's tables over that dimension (every table, so "the lowest one" after "which is highest
and which is lowest" compares the two rows shown), ranked by the figure the question names ("the
top *revenue* sector") or else by the first figure of the last such table (the ranking asked last).
Months and quarters are written as a question writes them ("September 2017"), so they read as a
period.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from itertools import pairwise

from assistant.offline.breakdowns import DIMENSION_WORD, DIMENSIONS
from assistant.offline.listed import AMOUNT, SCALE, SEPARATOR
from assistant.offline.measures import _measure
from tools.semantic.dimensions import DIMENSIONS as DECLARED
from tools.semantic.measures import MEASURES

HIGH = r"best|top|highest|biggest|largest|leading|strongest|most"
LOW = r"worst|lowest|weakest|smallest|bottom|least"
#: "the best region", "the top revenue sector", "for the lowest one".
RANKED = re.compile(
    rf"(?P<lead>\b(?:for|in|of|about|on|from|at|with)\s+)?\b(?:the|that|this)\s+(?:(?P<high>{HIGH})|(?P<low>{LOW}))"
    rf"(?P<between>(?:\s+[\w%-]+){{0,2}}?)\s+(?P<noun>{DIMENSION_WORD}|one)\b"
    # "the weakest one on win rate": the figure said after it
    r"(?:\s+(?:on|by|in|for)\s+(?P<after>win rate|[\w%-]+(?: (?:rate|size|cycle|pipeline|revenue))?)\b)?",
    re.I,
)
#: The time grains a table can be broken down by.
TIME_GRAINS = frozenset({"day", "week", "month", "quarter", "year"})
A_YEAR_APART = re.compile(r"\b(?:last|previous|prior) year\b|\ba year (?:ago|before|earlier)\b", re.I)
PERCENT = re.compile(r"(-?\d+(?:\.\d+)?)\s*%")
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def tables(answer: str) -> list[Table]:
    """The markdown tables of an answer, in order."""
    found: list[Table] = []
    lines = answer.splitlines()
    for index, line in enumerate(lines[:-1]):
        # a table starts at a row followed by its separator (two tables may touch)
        if line.strip().startswith("|") and SEPARATOR.match(lines[index + 1]):
            body: list[list[str]] = []
            for row in lines[index + 2 :]:
                if not row.strip().startswith("|") or SEPARATOR.match(row):
                    break
                body.append(_cells(row))
            if body:
                found.append(Table(_cells(line), body))
    # a header row of a touching table is not a row of the one before
    for table, following in pairwise(found):
        if following.header in table.rows:
            table.rows = table.rows[: table.rows.index(following.header)]
    return found


def value(cell: str) -> float | None:
    """A figure as a table shows it: "$1.2M", "63%", "88 days", "1,254"; none for "none" or "n/a"."""
    money = AMOUNT.search(cell)
    if money is not None:
        return float(money[1].replace(",", "")) * SCALE[money[2]]
    percent = PERCENT.search(cell)
    if percent is not None:
        return float(percent[1])
    number = NUMBER.search(cell)
    return float(number[0].replace(",", "")) if number else None


def _header_key(header: str) -> str | None:
    """The dimension a table's first column names ("Region", "Team (manager)", "Team", "Month")."""
    lowered = header.casefold()
    for key, dimension in DECLARED.items():
        if dimension.name.casefold() == lowered:
            return key
    return DIMENSIONS.get(lowered)  # the breakdown words name the time grains too


def _written(member: str, key: str | None = None) -> str:
    """A member as a question would name it: months and quarters as periods, a team by its manager."""
    if key == "team":
        return f"{member}'s team"
    month = MONTH.match(member)
    if month is not None:
        return f"{calendar.month_name[int(month[2])]} {month[1]}"
    quarter = QUARTER.match(member)
    return f"Q{quarter[2]} {quarter[1]}" if quarter is not None else member


def _column(table: Table, between: str) -> int | None:
    """The figure's column: the one the question names ("the top revenue sector"), else the first."""
    named = _measure(between) if between.strip() else None
    if named is not None and named in MEASURES:
        label = MEASURES[named].name.casefold()
        for index, header in enumerate(table.header[1:], 1):
            if header.casefold() == label:
                return index
        return None
    return 1 if len(table.header) > 1 else None


#: "that product", "the same region": the member the last table over it led with.
THAT_MEMBER = re.compile(rf"\b(?:that|this|the same)\s+(?P<noun>{DIMENSION_WORD})\b(?!\s*(?:'s|’s))", re.I)


def _led_with(question: str, answer: str) -> str:
    """``question`` with "that product" replaced by the first row of the last table by product."""
    found = THAT_MEMBER.search(question)
    if found is None or (wanted := DIMENSIONS.get(found["noun"].casefold())) is None:
        return question
    if wanted in TIME_GRAINS and A_YEAR_APART.search(question):
        return question  # "how'd that month do last year": the same month a year before (read in the thread)
    led = [
        table.rows[0][0] for table in tables(answer) if _header_key(table.header[0]) == wanted and table.rows
    ]
    if not led or not led[-1]:
        return question
    return f"{question[: found.start()]}{_written(led[-1])}{question[found.end() :]}"


def ranked_member(question: str, answer: str) -> str:
    """``question`` with "the best region" (and the like) replaced by the member of ``answer``'s
    tables it names, or unchanged when it names none."""
    found = RANKED.search(question)
    if found is None:
        return _led_with(question, answer)
    noun = found["noun"].casefold()
    named = " ".join(part for part in (found["between"], found["after"]) if part and part.strip())
    if noun == "one" and not found["lead"] and not (found["after"] and _measure(found["after"])):
        return question  # "show me the top one": a row picked by its place (:mod:`listed`)
    if found["after"] and not _measure(found["after"]):
        return question  # "the biggest company by headcount": by a fact the tables do not show
    wanted = None if noun == "one" else DIMENSIONS.get(noun)
    candidates = [
        table
        for table in tables(answer)
        if (key := _header_key(table.header[0])) is not None and (wanted is None or key == wanted)
    ]
    if not candidates:
        return question
    if not named.strip() and noun != "one":
        candidates = candidates[-1:]  # "the best month": by the ranking asked last
    scored: list[tuple[float, str, str | None]] = []
    for table in candidates:
        column = _column(table, named)
        if column is None:
            continue
        for row in table.rows:
            figure = value(row[column]) if column < len(row) else None
            if figure is not None and row[0]:
                scored.append((figure, row[0], _header_key(table.header[0])))
    if not scored:
        return question
    pick = min(scored) if found["low"] else max(scored)
    lead = found["lead"] or ("in " if noun == "one" else "")
    return f"{question[: found.start()]}{lead}{_written(pick[1], pick[2])}{question[found.end() :]}"
