"""The coordinator's portal: the work queue, a referral's page and actions, circulation batches."""
