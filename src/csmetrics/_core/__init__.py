"""Shared internals every layer above may use: checks, conversions, ids, currencies, options.

Nothing here imports from the rest of csmetrics except ``csmetrics.exceptions``.
"""
