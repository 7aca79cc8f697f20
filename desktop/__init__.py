"""Tidings: self-hosted chat."""
