"""Errors the store raises that callers map to answers (e.g. the API's 409)."""


class AlreadyExists(Exception):
    """A row with that primary key is already stored."""
