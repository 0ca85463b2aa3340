"""Partner organisations: housing partners, referring agencies and the coordinating body."""
