"""What every signed-in person shares: the way to their role's home, and changing role."""
