"""The demo data generator and its reference data."""
