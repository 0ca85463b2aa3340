"""The risk assessor's portal: assessments requested of them."""
