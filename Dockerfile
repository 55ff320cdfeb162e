# syntax=docker/dockerfile:1
#
# Setagaya community-transition support API.
#
# Build:  docker build -t setagaya-transition-api .
# Run:    docker run --rm -p 8000:8000 \
#           -e DATABASE_URL=postgresql+asyncpg://USER:PASSWORD@HOST:5432/DBNAME \
#           setagaya-transition-api
#
# DATABASE_URL must be set. The image never starts an embedded PostgreSQL: the
# embedded fallback (docs/architecture.md §3, README) is for local development only.
# On start the container applies the Alembic migrations (`python -m api migrate`)
# and then runs uvicorn with $WORKERS worker processes on $PORT.
# Behind a reverse proxy, set TRUSTED_PROXIES to the proxy's addresses (CIDRs) so that
# the app believes its X-Forwarded-For; uvicorn's own proxy handling is off (--no-proxy-headers).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------- builder ----
FROM ${PYTHON_IMAGE} AS builder

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The same uv and the same uv.lock as `make test`: the image gets exactly the tested versions
# (hashes checked), without the development extras and without the embedded PostgreSQL.
RUN pip install --no-cache-dir uv==0.13.8
ENV UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=0 \
    UV_LINK_MODE=copy
ENV PATH="/opt/venv/bin:${PATH}"

WORKDIR /src
# README.md* : pyproject.toml names README.md as the readme; the glob keeps the
# COPY from failing while it does not exist yet, and the fallback below gives
# setuptools a file to read.
COPY pyproject.toml uv.lock alembic.ini README.md* ./
COPY api/ ./api/
COPY migrations/ ./migrations/
RUN if [ ! -f README.md ]; then echo "# setagaya-transition-api" > README.md; fi \
    && uv sync --locked --no-dev --no-editable --no-cache --python "$(command -v python)" \
    && find /opt/venv -type d -name __pycache__ -prune -exec rm -rf {} +

# ---------------------------------------------------------------- runtime ----
FROM ${PYTHON_IMAGE} AS runtime

LABEL org.opencontainers.image.title="setagaya-transition-api" \
      org.opencontainers.image.description="Case-management API for Setagaya ward's community-transition support network"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:${PATH}" \
    WORKERS=2 \
    PORT=8000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/iko-metrics

# Fixed uid/gid so volume permissions and Kubernetes securityContext can rely on them.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin app

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
COPY --chown=root:root alembic.ini ./
COPY --chown=root:root api/ ./api/
COPY --chown=root:root migrations/ ./migrations/

USER 10001:10001

EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]

# The metrics folder is emptied at each start: the last run's worker files would be counted again.
# The app reads X-Forwarded-For itself, from TRUSTED_PROXIES only (api.middleware): no --proxy-headers.
CMD ["sh", "-c", "python -m api migrate && rm -rf \"$PROMETHEUS_MULTIPROC_DIR\" && mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\" && exec uvicorn api.main:create_app --factory --host 0.0.0.0 --port \"$PORT\" --workers \"$WORKERS\" --no-proxy-headers"]
