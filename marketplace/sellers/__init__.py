"""Seller organisations (SHGs, ODOP units, clusters): members, bank account, verification."""
