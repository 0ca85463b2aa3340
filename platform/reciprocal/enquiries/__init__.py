"""Enquiries: the first number of a scheme's funnel, asked through the public checker or logged by the coordinator."""
