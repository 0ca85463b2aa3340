"""Queued and scheduled work: jobs in the same PostgreSQL (pgqueuer), enqueued in the transaction causing them."""
