"""The local cache: everything a device has synced, readable offline. Only this package
imports peewee."""
