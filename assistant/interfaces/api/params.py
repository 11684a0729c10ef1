"""Query parameters are the tools' own input models.

A read route takes ``Annotated[<Tool>Params, Query()]``, where ``<Tool>Params`` subclasses the
tool's input model: the fields, their types, defaults and descriptions are the ones the agent's
tool schema has, so the API and the tool cannot drift apart. A subclass adds only what a query
string needs:

* ``extra="forbid"``: an unknown parameter (a misspelt filter such as ``?onwer=``) is a 422 that
  names it, never silently dropped to widen the answer;
* bounds on numbers the database columns must hold (:data:`MAX_AMOUNT`, :data:`MAX_COUNT`), where
  the tool's model leaves them open, so a huge value is a 422 and not a database overflow.

A list field is a repeated parameter (``?also=win_rate&also=open_pipeline``).
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import ConfigDict

#: The configuration of every query-parameter model.
QUERY = ConfigDict(extra="forbid")
#: The largest amount a money column holds (16 digits, two of them cents).
MAX_AMOUNT = Decimal("99999999999999.99")
#: The largest count an integer column holds.
MAX_COUNT = 2**31 - 1
