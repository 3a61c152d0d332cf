"""Microsoft Teams over the Bot Framework: activities in, the same ``Relay``, Adaptive Cards out.

Every ``botbuilder`` import lives in this folder, so moving to the Microsoft 365 Agents SDK touches
nothing else. :func:`bot.teams.transport.mount.mount_teams` is the entry point ``baton serve`` uses.
"""
