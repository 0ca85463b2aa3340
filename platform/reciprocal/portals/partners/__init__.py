"""Pausing a housing partner's new circulations: the named lead's own, and any partner's by the coordinator."""
