"""The services the tests need, installed and started by the project itself (no systemd, no
Docker): RabbitMQ, PostgreSQL 15 and Redis from Debian's packages, Neo4j 5 from Maven Central.

    python3 -m tests.services up       # install what is missing, start what does not answer
    python3 -m tests.services status   # what answers, what this tool started
    python3 -m tests.services down     # stop what `up` started (nothing else)
    python3 -m tests.services env      # the variables the tests read (NEO4J_URI, ...), as exports

Standard-library only: it runs before the project's virtualenv exists. State (pids, logs,
data) lives in RAPYDO_SERVICES_DIR, by default /var/tmp/rapydo-services.
"""

import os
from pathlib import Path

STATE_DIR = Path(os.environ.get("RAPYDO_SERVICES_DIR", "/var/tmp/rapydo-services"))
