"""The nominating officer's portal: their referrals and the referral journey."""
