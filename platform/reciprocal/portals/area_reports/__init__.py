"""The coordinator's and funder's maps of the scheme's areas: demand and supply, per area."""
