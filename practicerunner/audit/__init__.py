"""The audit log screen: search by person, client, dates and action; verify the chain."""
