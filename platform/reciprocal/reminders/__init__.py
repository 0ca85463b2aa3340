"""Reminders and escalation: what waits on whom, in working days, and what is sent about it."""
