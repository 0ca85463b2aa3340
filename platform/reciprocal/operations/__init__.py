"""Operators: the people who run the hosted service, and what they see of it (never case data)."""
