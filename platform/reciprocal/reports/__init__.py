"""Reports: a scheme's figures for any period, with small numbers suppressed so no household is singled out."""
