"""The local cache: everything a device has synced, readable offline. Only this package
imports peewee."""

import logging


def keep_sql_out_of_logs() -> None:
    """Even verbose, no SQL in the log: peewee's debug lines carry each query's values,
    message text among them."""
    logging.getLogger("peewee").setLevel(logging.INFO)
