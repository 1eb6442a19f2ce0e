"""Readers and writers of credit lists kept outside the platform (All Contributors files).

The parsers here are pure: bytes in, plain data out, no database. The services that write what they
find call them first and write nothing when a file has problems, so nothing is half-imported.
"""
