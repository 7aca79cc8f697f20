"""Prosody beside Tidings: the same loads over XMPP (docs/performance.md, "Beside Prosody")."""
