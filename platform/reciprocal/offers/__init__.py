"""Property offers, viewings, risk assessments and moves."""
