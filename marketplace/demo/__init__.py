"""Realistic demo data in Hindi and English (`flask demo load`, idempotent)."""
