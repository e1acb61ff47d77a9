"""Every extension point of the backend, declared in one place (after Datasette's hookspecs).

A stub's signature and docstring are the hook's contract. The core implements the same
hooks as community projects (backend/api/<area>.py each `register(api)`), so they stay
honest and double as examples. Tasks need no hook: a module under
`projects/<p>/backend/tasks/` declares them with `backend.tasks.task` and is imported
by the Celery app.
"""

from __future__ import annotations

import inspect
from types import ModuleType


def register(api) -> None:
    """Add this module's endpoints: `api.add_resource(Resource, url, ...)` (backend.api.RapydoApi).

    Implemented by each core area in backend/api/ and each `projects/<p>/backend/endpoints/*.py`,
    called core first, then the project chain root first. Keyword arguments of add_resource:

    - `override=True`: replace what core or an earlier project registered at this URL (in the
      app and in /api/specs); without it a URL registered twice stops the start-up;
    - `requires="name"`: the endpoint exists only when the project setting `name` is on
      (declared in a project.yml of the chain); an override with it replaces only while on;
    - `endpoint="name"`: the `url_for` name (default: the class name in lower case);
      an override that replaces a whole registration keeps that registration's name.

    `api.settings` is the app's Settings, for endpoints shaped by configuration.
    """


def data_operation(kind: str, user: str, infos: tuple) -> None:
    """Optional: told of every data operation done through the API, after it succeeded.

    `kind` is upload, copy, move or delete; `infos` the storage Info of what it was done to:
    (stored,) for an upload, (source, copy) for a copy, (source, moved) for a move,
    (removed,) for a delete; `user` who did it. Called within the request, so
    `backend.storage.user_storage()` is the user's session (e.g. the b2stage project makes
    PIDs follow a move). The operation has happened: an exception is logged, and the client
    still gets its answer.

    Implemented by any `projects/<p>/backend/endpoints/*.py` that defines it, in the order
    the modules register.
    """


def before_data_operation(kind: str, user: str | None, info, storage) -> None:
    """Optional: asked before a data operation done through the core's endpoints; raise a
    typed error of backend.errors (PermissionDenied, Conflict, ...) to refuse it: the client
    gets that error and nothing is done.

    `kind` is delete, move or overwrite; `info` the storage Info of what would be removed,
    moved or overwritten (a collection's whole subtree goes along: look below it); `user`
    who asks, None for the bearer of a ticket; `storage` the session that would do it, to
    read what is there (metadata, children) with the same rights. Asked by /api/data
    (DELETE, and PUT with force over an existing object), /api/copy with force over an
    existing path, /api/move, and uploads with force through a write ticket (e.g. the
    b2stage project keeps objects with a PID from being deleted). A project's own
    endpoints decide for themselves.

    Implemented by any `projects/<p>/backend/endpoints/*.py` that defines it, asked in the
    order the modules register; the first refusal wins.
    """


HOOKS = {"register": register, "data_operation": data_operation,
         "before_data_operation": before_data_operation}


def implementations(modules: list[ModuleType], hook: str) -> list:
    """The implementations of the optional `hook` among `modules`, each checked."""
    return [getattr(module, hook) for module in modules if check(module, hook, required=False)]


def check(module: ModuleType, hook: str, *, required: bool = True) -> bool:
    """Stop the start-up when `module` does not implement `hook` as declared; False when
    an optional hook is simply absent."""
    implementation = getattr(module, hook, None)
    if implementation is None and not required:
        return False
    if not callable(implementation):
        raise RuntimeError(f"{module.__file__} must define {hook}{_parameters(HOOKS[hook])}")
    try:
        inspect.signature(implementation).bind(*inspect.signature(HOOKS[hook]).parameters)
    except TypeError:
        raise RuntimeError(f"{module.__file__}: {hook}{_parameters(implementation)} does not "
                           f"match the hook {hook}{_parameters(HOOKS[hook])}") from None
    return True


def _parameters(function) -> str:
    return f"({', '.join(inspect.signature(function).parameters)})"
