"""Landing pages per role, and officials' dashboards."""
