# The backend image: the API under uWSGI (default command) or, with another command,
# the Celery worker. Build from the repository root:
#   docker build -f confs/backend.Dockerfile -t rapydo/backend .
# Settings arrive as environment variables (docker-compose.base.yml), as with the local engine.

FROM python:3.11-slim AS build
# uWSGI is compiled at install time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY setup.py README.md ./
COPY backend backend
COPY controller controller
RUN python -m venv /venv && /venv/bin/pip install --no-cache-dir .

FROM python:3.11-slim
# bubblewrap: every job's tools run in it (backend/workflows/sandbox.py). The celery
# container needs the rights to create its namespaces: see README, "Security".
RUN apt-get update \
    && apt-get install -y --no-install-recommends bubblewrap \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 rapydo \
    && mkdir /data && chown rapydo:rapydo /data
COPY --from=build /venv /venv
WORKDIR /app
# uwsgi.ini runs from its parent directory (/app): framework confs and community projects.
COPY confs confs
COPY projects projects
ENV PATH=/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/data \
    API_PORT=8080
USER rapydo
VOLUME ["/data"]
EXPOSE 8080
# uWSGI stops on SIGTERM (die-on-term), as `docker stop` sends.
CMD ["uwsgi", "--ini", "/app/confs/uwsgi.ini", "--http-socket", "0.0.0.0:8080"]
