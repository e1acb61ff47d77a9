"""The Celery worker entry: `celery -A backend.tasks.worker worker`.

Like backend/wsgi.py, the only other module that builds the app at import.
"""

from backend.app import create_app
from backend.private_files import create_privately
from backend.settings import Settings

create_privately()
celery = create_app(Settings.from_env()).extensions["rapydo.celery"]
