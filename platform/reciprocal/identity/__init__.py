"""People who sign in, and the organisations and roles they act for."""
