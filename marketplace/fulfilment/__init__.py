"""Packaging houses: handover, quality check, parcels, labels, shipments and the operators' pages."""
