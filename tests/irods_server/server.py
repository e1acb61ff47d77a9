"""Connections and sessions: the connect handshake, the request loop, start and stop."""

import secrets
import socket
import socketserver
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass

from . import errors as E
from . import messages as M
from .api import HANDLERS
from .catalog import Catalog
from .model import now
from .errors import IrodsError
from .framing import ConnectionClosed, read_header, read_message, write_message

# The releases the server can present itself as (IrodsTestServer(version=...), --irods-version):
# clients such as python-irodsclient choose code paths by it. 4.3 by default, 5.0 the current.
RELEASES = {"4.3": "rods4.3.4", "5.0": "rods5.0.1"}
REL_VERSION = RELEASES["4.3"]


@dataclass
class Handle:
    obj: object
    write: bool
    token: str
    pos: int = 0
    dirty: bool = False
    register_checksum: bool = False


class Session:
    """Per-connection state: who is logged in and which descriptors are open."""

    def __init__(self):
        self.user = None  # the client user every operation acts as, once authenticated
        self.proxy_user = ""  # from the StartupPack: whom the password belongs to
        self.client_user = ""  # ... and whom the proxy speaks for (the same name without a proxy)
        self.challenge = None
        self.signature = ""  # hex of the login challenge's first 16 bytes: the key of scrambled passwords
        self.ticket = None
        self.tickets_charged = set()  # see model.Actor.charged
        self.tls = False
        self.fds = {}
        self._next_fd = 3

    def new_fd(self, obj, write, register_checksum=False):
        fd, self._next_fd = self._next_fd, self._next_fd + 1
        self.fds[fd] = Handle(obj, write, secrets.token_hex(16), register_checksum=register_checksum)
        return fd

    def fd(self, fd):
        try:
            return self.fds[fd]
        except KeyError:
            raise IrodsError(E.SYS_BAD_FILE_DESCRIPTOR, str(fd))

    def close_fd(self, handle):
        for fd, h in list(self.fds.items()):
            if h is handle:
                del self.fds[fd]
        if handle.dirty:
            handle.obj.mtime = now()


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        server = self.server.owner
        sock = self.request
        server._track(sock, add=True)
        try:
            session = Session()
            try:
                sock = self._connect(server, sock, session)
            except ET.ParseError:
                return  # a StartupPack that does not unpack: iRODS refuses the connection
            session.tls = sock is not self.request
            while True:
                msg = read_message(sock)
                if msg.type == "RODS_DISCONNECT":
                    if session.tls:
                        # PRC unwraps (sends close_notify and waits for ours) before closing.
                        sock.unwrap()
                    return
                self._dispatch(server, session, sock, msg)
        except (ConnectionClosed, OSError):
            return
        finally:
            server._track(self.request, add=False)
            server._track(sock, add=False)
            if sock is not self.request:
                sock.close()  # the TLS wrapper took over the descriptor; socketserver cannot close it

    def _connect(self, server, sock, session):
        startup = read_message(sock)
        root = M.parse(startup.body)
        session.proxy_user = M.text(root, "proxyUser")
        session.client_user = M.text(root, "clientUser") or session.proxy_user
        if M.text(root, "option").endswith("request_server_negotiation"):
            policy = "CS_NEG_REQUIRE" if server.tls_context else "CS_NEG_REFUSE"
            body = M.build("CS_NEG_PI", [("status", 1), ("result", policy)])
            write_message(sock, "RODS_CS_NEG_T", M.to_bytes(body))
            answer = M.text(M.parse(read_message(sock).body), "result")
            use_ssl = "CS_NEG_USE_SSL" in answer
        else:
            use_ssl = False
        version = M.build("Version_PI", [("status", 0), ("relVersion", server.rel_version), ("apiVersion", "d"),
                                         ("reconnPort", 0), ("reconnAddr", ""), ("cookie", 400)])
        write_message(sock, "RODS_VERSION", M.to_bytes(version))
        if not use_ssl:
            return sock
        tls = server.tls_context.wrap_socket(sock, server_side=True)
        server._track(tls, add=True)
        # Encryption parameters then the shared secret: header-only messages whose
        # fields carry sizes; we have no use for them beyond reading them off.
        read_header(tls)
        _, key_len, _, _, _ = read_header(tls)
        remaining = key_len
        while remaining > 0:
            remaining -= len(tls.recv(remaining))
        return tls

    def _dispatch(self, server, session, sock, msg):
        handler = HANDLERS.get(msg.int_info)
        with server._lock:
            server.api_calls[msg.int_info] += 1
        try:
            if handler is None:
                raise IrodsError(E.API_NOT_SUPPORTED, f"API {msg.int_info} not implemented")
            if handler.needs_login and session.user is None:
                raise IrodsError(E.CAT_INVALID_AUTHENTICATION, "not logged in")
            try:
                int_info, body, bs = handler(server, session, msg)
            except ET.ParseError as exc:
                # iRODS answers a body it cannot unpack with an error and keeps the connection.
                raise IrodsError(E.SYS_PACK_INSTRUCT_FORMAT_ERR, f"API {msg.int_info}: {exc}")
            except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
                # Fields missing or not of their type (an int that is not a number, base64 or JSON
                # that does not decode): the request is wrong, the connection stays usable.
                raise IrodsError(E.SYS_API_INPUT_ERR, f"API {msg.int_info}: {type(exc).__name__}: {exc}")
            write_message(sock, "RODS_API_REPLY", body, b"", bs, int_info)
        except IrodsError as exc:
            write_message(sock, "RODS_API_REPLY", exc.body, M.rerror(exc.code, exc.message), b"", exc.code)


class _TCPServer(socketserver.ThreadingTCPServer):
    daemon_threads = False  # so server_close() joins them: no thread outlives stop()
    allow_reuse_address = True
    block_on_close = True


class IrodsTestServer:
    """A test-only iRODS 4.3 server on 127.0.0.1, serving one in-memory catalog."""

    def __init__(self, zone="tempZone", admin=("rods", "rods"), tls_context=None, require_tls_for_pam=True,
                 version="4.3"):
        self.zone = zone
        self.rel_version = RELEASES[version]
        self.catalog = Catalog(zone, admin)
        self.tls_context = tls_context
        self.require_tls_for_pam = require_tls_for_pam
        self.temporary_passwords = {}  # PAM's (auth.py)
        self.one_time_passwords = {}  # user -> {password: expiry} (temp_passwords.py)
        self.api_calls = Counter()  # API number -> requests received, for tests that check a code path
        self._sockets = set()
        self._lock = threading.Lock()
        self._tcp = None
        self._thread = None

    @property
    def host(self):
        return "127.0.0.1"

    @property
    def port(self):
        return self._tcp.server_address[1]

    def add_user(self, name, password, type="rodsuser"):
        return self.catalog.add_user(name, password, type)

    def add_group(self, name):
        return self.catalog.add_group(name)

    def add_to_group(self, group, user):
        self.catalog.add_to_group(group, user)

    def start(self, port=0):
        self._tcp = _TCPServer(("127.0.0.1", port), _Handler)
        self._tcp.owner = self
        self._thread = threading.Thread(target=self._tcp.serve_forever, name="irods-test-server", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._tcp is None:
            return
        self._tcp.shutdown()
        with self._lock:
            for sock in list(self._sockets):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        self._tcp.server_close()  # joins the connection threads (block_on_close)
        self._thread.join()
        self._tcp = None

    def _track(self, sock, add):
        with self._lock:
            (self._sockets.add if add else self._sockets.discard)(sock)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
