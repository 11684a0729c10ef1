"""The CRM store: schema, repository, migrations and stages."""
