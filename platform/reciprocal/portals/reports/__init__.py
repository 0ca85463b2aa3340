"""The reports page: a scheme's figures for any period, for its coordinator and its funders."""
