"""The semantic metrics layer: measures, dimensions and time grains declared once, every query
compiled from them.

In the manner of dbt MetricFlow and Cube, a measure (what is counted or summed, over which records,
anchored on which date) and a dimension (an expression and the joins it needs) are declared in one
place (:mod:`~tools.semantic.measures`, :mod:`~tools.semantic.dimensions`), and
:func:`query_metrics` compiles any combination of them, with filters, a period and a comparison,
into SQL. It is built on SQLAlchemy because the store and its access control are: every compiled
query starts from the repository's scoped selects, so a viewer's scope applies to every measure,
dimension and filter alike. MetricFlow needs a dbt project and Cube a server of its own, and
boring-semantic-layer compiles through ibis; none of them composes with those scoped selects.
"""

from tools.semantic.dimensions import DIMENSIONS, Dimension
from tools.semantic.grains import GRAINS, Grain
from tools.semantic.measures import MEASURES, Measure
from tools.semantic.models import MetricQuery, MetricResult, MetricRow
from tools.semantic.query import query_metrics

__all__ = [
    "DIMENSIONS",
    "GRAINS",
    "MEASURES",
    "Dimension",
    "Grain",
    "Measure",
    "MetricQuery",
    "MetricResult",
    "MetricRow",
    "query_metrics",
]
