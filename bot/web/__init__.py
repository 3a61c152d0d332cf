"""The read-only web dashboard served by ``baton serve`` under ``/dashboard``."""
