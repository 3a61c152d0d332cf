"""Running Baton as a service: metrics, logs, ``baton doctor``, backups."""
