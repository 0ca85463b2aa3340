"""Monthly statements: each partner's figures for a month, and the emails that carry them."""
