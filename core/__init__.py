"""Plumbing every app shares, below all of them: job enqueueing, the API's error shape and
pagination, serializer, filter, form and admin bases.

`core` imports no app and not the project package (`cartography`); every app may import it. It is
a plain package, not a Django app: it has no models, templates or migrations. What belongs here is
mechanism with no knowledge of the registry or the ledger; a rule about projects or contributions
belongs to its app.
"""
