"""The use cases every adapter calls: Slack, Teams and the console behave the same."""
