"""What Baton shows in any chat, decided once and platform-neutral.

The actions on a lead (label, style, confirmation, the form they open, the command they become),
the forms (fields, limits, the command a submission becomes) and the digest's view (sections,
facts with their changes, tables, notes). Slack, Teams, the console, plain text and the dashboard
only lay these out; none of them decides what to show.
"""
