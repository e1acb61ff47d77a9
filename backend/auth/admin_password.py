"""`python -m backend.auth.admin_password`: set the administrator's password in the users database.

For `rapydo password ADMIN_PASSWORD` (the controller never imports the backend): it runs this
with the deployment's settings in the environment and the new password on stdin, never on a
command line (`ps` would show it). The account is ADMIN_USER. The app is built as the API
builds it, so the same database and password hashing apply, and a new password revokes the
account's tokens (AuthService.update_user). Prints one line; exits 1 with the reason on
stderr when the password is refused or the account does not exist.
"""

from __future__ import annotations

import sys

from backend.app import create_app
from backend.auth import auth_service
from backend.errors import RapydoError
from backend.private_files import create_privately
from backend.settings import Settings


def main() -> int:
    password = sys.stdin.readline().rstrip("\r\n")
    settings = Settings.from_env()
    create_privately()  # it may be the first to create DATA_DIR's files, as the API would
    app = create_app(settings)
    try:
        user = auth_service(app).update_user(settings.admin_user, password=password)
    except RapydoError as exc:
        print(f"cannot set the password of {settings.admin_user}: {exc.message}", file=sys.stderr)
        return 1
    print(f"administrator {user.username}: password changed in the users database, its tokens revoked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
