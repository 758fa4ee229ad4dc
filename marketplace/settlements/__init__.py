"""What Haat owes each seller: a double-entry ledger, statements and payout batches."""
