"""Helpers the PRC-driven tests share."""

from irods.session import iRODSSession


def connect(server, user, password, **options):
    return iRODSSession(host="127.0.0.1", port=server.port, user=user, password=password, zone=server.zone,
                        **options)


def write(session, path, data):
    with session.data_objects.open(path, "w") as f:
        f.write(data)


def read(session, path):
    with session.data_objects.open(path, "r") as f:
        return f.read()
