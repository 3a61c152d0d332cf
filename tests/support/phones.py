"""The phone reader tests read posts with: Baton's own, in its default region (US)."""

from __future__ import annotations

from bot.phones import PhoneNumbers

PHONES = PhoneNumbers("US")
