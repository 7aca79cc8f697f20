"""OS integration: keyring, notifications."""
