"""Queries and writes the app needs, one module per kind of record.

Nothing here imports the web layer: the CLI, the reports and the tests use the same
functions as the views.
"""
