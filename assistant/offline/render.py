"""Shared pieces of every answer: the template call, whose data it is, and how it was narrowed.

Each answer is a template ``prompts/offline_<name>.md.j2`` rendered with one variable,
``answer``: a small dataclass of already-formatted strings built by the answer modules. The
wording lives in the templates; the choice of which figures and records to show lives in the
answer modules. Rendered Markdown is tidied (no runs of blank lines, no trailing spaces) so it
reads the same in a terminal and in Slack.
"""

from __future__ import annotations

import re
from typing import Any

import prompts
from assistant import formatting as fmt
from assistant.offline.conversation import ToolResult
from tools.evidence import Figure, Unit
from tools.store.schema import Role
from tools.viewer import Viewer


def render(name: str, answer: Any) -> str:
    text = prompts.render(f"offline_{name}", answer=answer)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return in_period(re.sub(r"\n{3,}", "\n\n", text).strip())


def in_period(text: str) -> str:
    """ "in <period>" as people write it for every kind of period label: "since June" (not "in since
    June"), "in the last 90 days", "between 2026-09-01 and 2026-11-20"."""
    text = re.sub(r"\bin (since )", r"\1", text)
    text = re.sub(r"\bin (last|next) (\d)", r"in the \1 \2", text)
    return re.sub(r"\bin (\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})\b", r"between \1 and \2", text)


def whose(viewer: Viewer, owner: str | None) -> str:
    """The owner of the data an answer is about: "Darcel Schlecht's", "your", "your team's", "the"."""
    if owner:
        return f"{owner}'s"
    if viewer.role is Role.REP:
        return "your"
    if viewer.role is Role.MANAGER:
        return "your team's"
    return "the"


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def amount_range(args: dict[str, Any]) -> str | None:
    low, high = args.get("min_amount"), args.get("max_amount")
    if low is not None and high is not None:
        return f"between {fmt.money(low)} and {fmt.money(high)}"
    if low is not None:
        return f"of {fmt.money(low)} or more"
    if high is not None:
        return f"of up to {fmt.money(high)}"
    return None


def narrowing(args: dict[str, Any], period_label: str | None = None, closing: bool = True) -> str:
    """How a list was narrowed, as a phrase: " in West Enterprise on Acme of $50,000 or more"."""
    parts = []
    if args.get("territory"):
        parts.append(f"in {args['territory']}")
    if args.get("account"):
        parts.append(f"on {args['account']}")
    if args.get("product"):
        parts.append(f"for {args['product']}")
    # the accounts' kind and place: "in Healthcare", "in Enterprise", "in TX", "in Denver"
    parts += [
        f"in {args[key]}" for key in ("industry", "segment", "country", "state", "city") if args.get(key)
    ]
    if args.get("stage"):
        parts.append(f"in {str(args['stage']).replace(', ', ' or ')}")
    if args.get("forecast_category"):
        parts.append(f"in {str(args['forecast_category']).replace('_', ' ')}")
    amounts = amount_range(args)
    if amounts:
        parts.append(amounts)
    if period_label:
        # "closing next week", "in the last 30 days"; "closing in 2026-Q4"
        bare = re.match(r"(?:this|next|last|previous|past|the) ", period_label) is not None
        within = "" if bare else "in "
        parts.append(f"closing {within}{period_label}" if closing else f"{within}{period_label}")
    return "".join(f" {p}" for p in parts)


def cut_notes(results: list[ToolResult]) -> list[str]:
    """Say when a list the answer shows was shortened to fit the toolkit's result cap.

    Only top-level lists count (deals, reps, groups…); trimmed evidence (record ids, filters) does
    not change an answer, and every total still counts every record.
    """
    notes = []
    for result in results:
        cuts = [c.replace("kept", "showing") for c in result.truncated if "." not in c.split(":")[0]]
        if cuts:
            notes.append(
                f"Some of the {result.name.replace('_', ' ')} lists were shortened to fit "
                f"({'; '.join(sorted(set(cuts)))}); the totals count every record."
            )
    return notes


def value(figure: Figure) -> str:
    """A metric figure as an answer shows it: "amount unknown" or "none", never a $0 with nothing
    behind it."""
    if figure.value is None:
        return "n/a" if figure.unit is not Unit.USD else "amount unknown"
    if figure.unit is Unit.USD and not figure.value and figure.record_count == 0:
        return "none"  # a group with no record behind it (an account with no open deal), not a $0 sum
    if figure.unit is Unit.USD:
        return fmt.estimated(fmt.money(figure.value), figure.value, figure.estimated)
    if figure.unit is Unit.RATIO and "coverage" in figure.name.casefold():
        return fmt.multiple(figure.value)
    if figure.unit is Unit.RATIO:
        return fmt.percent(figure.value)
    if figure.unit is Unit.DAYS:
        return fmt.days(figure.value)
    return fmt.count(figure.value)
