"""Pieces shared by every domain: column types, state machines, money and date formatting."""
