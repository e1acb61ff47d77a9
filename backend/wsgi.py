"""The uWSGI entry point: the only module that builds the app at import."""

from backend.app import create_app
from backend.private_files import create_privately
from backend.settings import Settings

create_privately()
app = create_app(Settings.from_env())
