"""Governance writes: one function per verb, keyword-only, in a transaction."""
