"""A scheme's published criteria, versioned."""
