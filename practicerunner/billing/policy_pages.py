"""Billing screens (being built)."""
