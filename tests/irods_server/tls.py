"""Self-signed certificates for TLS tests, made with the openssl command line tool.

Neither ``cryptography`` nor ``trustme`` is installed in the project's
environment, and the openssl binary is everywhere PRC's ssl module is.
"""

import shutil
import ssl
import subprocess


def openssl_available():
    return shutil.which("openssl") is not None


def make_self_signed(directory):
    """Write cert.pem / key.pem for 127.0.0.1 and localhost into directory; return their paths."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )
    return cert, key


def server_context(cert, key):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    return context


def client_context(cert):
    return ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(cert))
