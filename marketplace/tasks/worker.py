"""The Celery application for `celery -A marketplace.tasks.worker worker` and `… beat`: the Flask app built
from the environment (DATABASE_URL, REDIS_URL, CELERY_BROKER_URL, …), its Celery object exported."""

from marketplace import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
