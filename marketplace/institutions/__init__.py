"""Institutional buyers: organisations, their people and delivery points, approval by an official."""
