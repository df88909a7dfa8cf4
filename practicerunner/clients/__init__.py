"""Clients, their contacts, and cases (treatment relationships) with participants and payers."""
