"""Billing: policies, charges, invoices, payments, gateways, billing runs."""
