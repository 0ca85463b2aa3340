"""Schemes (the tenants) and their areas."""
