"""Finding a referral by its reference, from the header of every signed-in page."""
