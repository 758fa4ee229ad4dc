"""Officials' numbers: dashboards by scope, Mission 20-20 targets, the village product survey."""
