"""Cart: what a visitor means to buy. Anonymous visitors keep it in their session; logged-in customers in the
database (merged from the session at login). Only keys and quantities are kept: prices are always read anew."""
