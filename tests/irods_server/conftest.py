from .fixtures import irods_process, irods_server, irods_tls_server  # noqa: F401  (exposes the fixtures to this package's tests)
