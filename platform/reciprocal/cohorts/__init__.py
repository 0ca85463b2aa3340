"""Handing a cohort of live referrals from one scheme to a successor scheme on the service (issue 13)."""
