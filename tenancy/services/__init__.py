"""Every write and state change of the tenancy app (see the modules for each area)."""
