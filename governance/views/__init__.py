"""Governance pages, split by topic."""
