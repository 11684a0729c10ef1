"""Live CRM: syncing Salesforce and HubSpot into the store, and writing confirmed changes back."""

from tools.store.sync.retry import CrmError
from tools.store.sync.run import SyncReport, sync, watermarks
from tools.store.sync.source import CrmSource, Fetched

__all__ = ["CrmError", "CrmSource", "Fetched", "SyncReport", "sync", "watermarks"]
