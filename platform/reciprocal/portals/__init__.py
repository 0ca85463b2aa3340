"""Each role's home: what needs this person now."""
