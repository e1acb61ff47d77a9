"""The uWSGI entry point: the only module that builds the app at import."""

from backend.app import create_app
from backend.settings import Settings

app = create_app(Settings.from_env())
