"""Accounts: users, roles, sign-up and login, and the one place where access is decided (access.py)."""
