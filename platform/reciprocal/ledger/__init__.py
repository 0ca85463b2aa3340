"""The ledger: who owes the scheme's pot a property, and who is owed one."""
