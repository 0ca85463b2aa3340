"""Handing a referral over to another nominating officer: the coordinator's page and the officer's."""
