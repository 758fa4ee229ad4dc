"""Orders: addresses, checkout (one customer order split into one part per seller), the order and seller-order
state machines, payment settlement, cancellation and refunds, seller actions, and expiry of unpaid orders."""
