"""Reciprocal: a hosted service for managed housing reciprocal schemes."""
