"""Shared pieces every domain and portal may use; the kernel imports no domain."""
