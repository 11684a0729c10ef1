"""The CRM store: schema, repository, migrations and stages."""

# Tables kept beside the schema module register on its metadata here, so migrations, the importer
# and schema checks always see every table, whichever store module is imported first.
from tools.store import crm_tables as _crm_tables  # noqa: F401
from tools.store import ratelimits as _ratelimits  # noqa: F401
from tools.store import scenarios as _scenarios  # noqa: F401
from tools.store import schema_scores as _schema_scores  # noqa: F401
