"""Referrals: the anonymised case of one applicant, from draft to move."""
