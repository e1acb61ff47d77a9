from setuptools import find_packages, setup

setup(
    name="rapydo-irods",
    version="0.1.0",
    description="An iRODS-backed data-management REST framework with provenance, in the style of RAPyDo",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.11",
    packages=find_packages(include=["backend", "backend.*", "controller", "controller.*"]),
    include_package_data=True,
    package_data={"controller": ["templates/*.tmpl"],
                  # the web interface's page and assets (served as files, nothing to build)
                  "backend.web": ["templates/web/*.html", "static/*.js", "static/*.css",
                                  "static/views/*.js"]},
    install_requires=[
        "flask>=3.0,<4",
        "flask-restful>=0.3.10,<0.4",
        "werkzeug>=3.0,<4",
        "python-irodsclient>=3.0,<4",
        "celery>=5.3,<6",
        "kombu>=5.3,<6",
        "neo4j>=5.0,<7",
        "prov==1.5.1",
        "uwsgi>=2.0.23,<2.1",
        "pyjwt>=2.8,<3",
        "docker>=7.0,<8",
        "cwltool>=3.1.20240000",
        "sqlalchemy>=2.0,<2.2",
        "psycopg[binary]>=3.1,<4",
        "argon2-cffi>=23.1",
        "cryptography>=42",  # Fernet + HKDF: iRODS credentials sealed in tokens
        "pydantic>=2.5,<3",
        "apispec>=6.3,<7",
        "swagger-ui-bundle>=1.1,<2",
        "pyyaml>=6.0,<7",
        "click>=8.1,<9",
        "requests>=2.31,<3",
        "psutil>=5.9",
        "zipstream-ng>=1.7,<2",  # zip archives streamed as they are built (collections, job inputs/outputs)
        "rocrate>=0.16,<1",  # Workflow Run RO-Crates of finished jobs (RO-Crate 1.3)
        "pydot>=2",  # PROV pictures (prov.dot); rendering needs Graphviz's `dot` program
        "rdflib>=6",  # PROV-O serialisations (Turtle, N-Triples, JSON-LD) through prov
    ],
    extras_require={
        "test": [
            "pytest>=8",
            "openapi-spec-validator>=0.7",
            "schemathesis>=4.0,<5",
            "jsonschema>=4.18",  # offline STAC validation (Registry-based $ref resolution)
            "referencing>=0.30",
            "rfc3339-validator>=0.1.4",  # without it jsonschema skips "format": "date-time"
            # RO-Crates of jobs checked by the profiles' own validator (Workflow Run Crate 0.5).
            "roc-validator>=0.13,<0.14",
            "lxml>=5",  # PROV-XML validated against the W3C XML schema (tests/provenance/schemas/prov-xsd)
            "pyshacl>=0.26",  # PROV-O Turtle checked with the PROV-O SHACL shapes (tests/provenance/schemas/prov-o)
            # STAC Collections validated against the STAC 1.1.0 schemas pystac ships.
            "pystac>=1.15,<2",
            # python-irodsclient's own suite (tests/irods_server/prc_suite.py) skips its
            # progress-bar tests without them.
            "tqdm>=4.60",
            "progressbar2>=4.0",
            "tuspy>=1.1,<2",  # a real tus client drives the resumable uploads
            "OWSLib>=0.35",  # a real OGC API - Processes client drives /api/ogc (tests/ogc)
            # The web interface's browser tests (tests/web) drive the system's Chromium
            # (Debian's chromium, installed by tests/services); never `playwright install`.
            "playwright>=1.45,<2",
        ],
    },
    entry_points={"console_scripts": ["rapydo=controller.cli:main"]},
)
