"""The intent registry: one module per family of questions, each declaring its intents' specs.

* :mod:`.spec`: what an intent declares (:class:`~.spec.IntentSpec`): its phrasings, the name
  it requires, its route to the tools, the answer functions that write its result, an example;
* :mod:`.registry`: the specs of every family, in scoring order;
* the families: :mod:`.conversation` (help, small talk, out of scope, why, not understood),
  :mod:`.plans` (account and territory plans), :mod:`.knowledge` (playbook, metric
  definitions), :mod:`.deals` (stalled, pipeline, top deals, one deal, forecast),
  :mod:`.people` (performance), :mod:`.accounts` (account, whitespace, account search) and
  :mod:`.territory` (territories, territory, balance, rebalance).
"""

from assistant.offline.intents.registry import SPECS, spec_for
from assistant.offline.intents.spec import IntentSpec

__all__ = ["SPECS", "IntentSpec", "spec_for"]
