"""Retention with receipts: each scheme keeps what has ended only as long as its configuration says."""
