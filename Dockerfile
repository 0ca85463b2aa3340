# Reciprocal: one image for the web process (`reciprocal serve`), the worker (`reciprocal worker`) and the
# one-off commands (bootstrap, migrate, tenant load). Build it with `make image` (infra/image/build).
# syntax=docker/dockerfile:1

# Debian trixie's own Python (3.13): the official Python images are not reachable from where we build, and
# Debian's is the one its security updates patch.
ARG BASE=docker.io/library/debian:trixie-slim

FROM ${BASE} AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*

FROM runtime AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3-venv
# Where the build's network reaches PyPI through a proxy of its own, its certificates come in as a build secret
# (`--secret id=cacert,src=FILE`; infra/image/build passes the machine's): trusted in this stage only.
ENV SSL_CERT_FILE=/etc/ssl/certs/build.pem PIP_CERT=/etc/ssl/certs/build.pem
RUN --mount=type=secret,id=cacert,target=/run/secrets/cacert \
    cat /etc/ssl/certs/ca-certificates.crt $(test -s /run/secrets/cacert && echo /run/secrets/cacert) \
      > /etc/ssl/certs/build.pem
# uv, at the version the Makefile pins, in a virtualenv of its own: it never reaches the final stage.
RUN python3 -m venv /opt/uv && /opt/uv/bin/pip install --no-cache-dir --disable-pip-version-check 'uv==0.13.9'
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_PYTHON=/usr/bin/python3 \
    UV_NO_CACHE=1
WORKDIR /app
# Dependencies first, exactly as uv.lock pins them and nothing else: this layer is rebuilt only when they change.
COPY pyproject.toml uv.lock README.md ./
RUN /opt/uv/bin/uv sync --locked --no-dev --no-install-project
COPY platform ./platform
# NOTE: the project stays an editable install: settings.REPO_ROOT finds web/ and tenants/ beside platform/.
RUN /opt/uv/bin/uv sync --locked --no-dev

FROM runtime
RUN useradd --uid 10001 --user-group --home-dir /app --no-create-home --shell /usr/sbin/nologin reciprocal
WORKDIR /app
COPY --from=build /app/.venv ./.venv
COPY --from=build /app/platform ./platform
COPY web/templates ./web/templates
COPY web/static ./web/static
COPY tenants ./tenants
USER 10001:10001
ENV PATH=/app/.venv/bin:$PATH HOST=0.0.0.0 PORT=8000 PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s \
  CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=2)"]
# One process per core behind a load balancer; `reciprocal worker` (same image) runs the jobs.
CMD ["reciprocal", "serve"]
