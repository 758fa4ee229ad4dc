"""Background work on Celery: the periodic jobs as tasks, the beat schedule, failed tasks kept for the admin."""
