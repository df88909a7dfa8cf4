"""Scheduling: availability, appointments, recurring series, conflicts, reminders."""
