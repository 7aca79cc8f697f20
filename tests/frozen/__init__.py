"""Frozen copies of earlier protocol versions, for compatibility tests."""
