"""Calendars in and out: ICS feeds read into the domain's event facts, fetched safely."""
