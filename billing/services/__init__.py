"""Every write and state change of the billing app, one module per area.

plans, subscriptions, payments, invoices, limits, cycle. Each public function is a transaction
that locks the rows it changes; locks are always taken in the order
payment -> invoice -> subscription -> tenant, so that two services cannot deadlock each other.
"""
