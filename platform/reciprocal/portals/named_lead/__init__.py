"""The named lead's portal: approvals, circulated referrals, offers."""
