"""Institutional requisitions: one bulk demand split across many groups, with daily progress to the target."""
