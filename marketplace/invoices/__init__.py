"""GST invoices and bills of supply per seller order, numbered without gaps per seller and financial year."""
