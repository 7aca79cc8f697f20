"""The client core: profile, sync engine and events. No Qt here."""
