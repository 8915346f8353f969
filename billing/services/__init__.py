"""Every write and state change of the billing app, one module per area.

From the bottom up (each imports only those before it): plans, limits, documents (the invoice
PDF archive), invoices, subscriptions (which issue invoices), settlement (paying an invoice renews
its subscription), payments, reconciliation, cycle. Each public function is a transaction that
locks the rows it changes; locks are always taken in the order
payment -> invoice -> subscription -> tenant, so that two services cannot deadlock each other.
"""
