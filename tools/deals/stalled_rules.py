"""The stalled / at-risk deal rules: names, severities, and the playbook play for each."""

from __future__ import annotations

from enum import StrEnum

PLAYBOOK = "stalled-deal-recovery.md"


class Rule(StrEnum):
    STAGE_AGE = "stage_age"
    NO_ACTIVITY = "no_activity"
    PAST_CLOSE = "past_close"
    PUSHED = "pushed"
    NEXT_STEP = "next_step"
    SINGLE_THREAD = "single_thread"
    AGED = "aged"


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"


#: Each rule: what it means, the next action, and the playbook passage with the recovery play.
RULES: dict[Rule, tuple[str, str, str]] = {
    Rule.STAGE_AGE: (
        "Stuck in stage",
        "Re-qualify: confirm the exit criteria of the stage with the buyer and "
        "agree a dated next step, or move the deal back.",
        f"{PLAYBOOK}#stuck-in-stage-diagnosis-and-steps",
    ),
    Rule.NO_ACTIVITY: (
        "No recent activity",
        "Reach the champion this week with a reason to talk; if silent, go to a second contact.",
        f"{PLAYBOOK}#no-activity-diagnosis-and-steps",
    ),
    Rule.PAST_CLOSE: (
        "Close date in the past",
        "Confirm a real close date with the buyer and update it, or close the deal out.",
        f"{PLAYBOOK}#past-close-date-diagnosis-and-steps",
    ),
    Rule.PUSHED: (
        "Close date pushed repeatedly",
        "Rebuild the mutual action plan with the economic buyer before moving the date again.",
        f"{PLAYBOOK}#repeated-pushes-diagnosis-and-steps",
    ),
    Rule.NEXT_STEP: (
        "Missing or overdue next step",
        "Book the next customer meeting and record it with a date.",
        f"{PLAYBOOK}#missing-next-step-diagnosis-and-steps",
    ),
    Rule.SINGLE_THREAD: (
        "Single-threaded large deal",
        "Multi-thread: get introduced to the economic buyer and a technical evaluator.",
        f"{PLAYBOOK}#single-threaded-deal-diagnosis-and-steps",
    ),
    Rule.AGED: (
        "Open far longer than a normal cycle",
        "Decide with your manager: re-plan with fresh evidence or close it out.",
        f"{PLAYBOOK}#aged-deal-diagnosis-and-steps",
    ),
}
