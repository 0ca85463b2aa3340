"""Who is told what: the notices of "What's new" and the emails of the outbox, made by the worker."""
