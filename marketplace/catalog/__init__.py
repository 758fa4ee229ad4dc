"""Catalogue: categories, products, variants, photos, moderation, the storefront."""
