# Reciprocal: one image for `reciprocal serve` (pages) and one-off commands (bootstrap, migrate, tenant load).
# syntax=docker/dockerfile:1

FROM python:3.13-slim AS build
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
RUN pip install --no-cache-dir 'uv==0.13.9'
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project
COPY platform ./platform
RUN uv sync --locked --no-dev

FROM python:3.13-slim
RUN useradd --system --uid 10001 --home-dir /app reciprocal
WORKDIR /app
COPY --from=build /app/.venv ./.venv
COPY --from=build /app/platform ./platform
COPY web/templates ./web/templates
COPY web/static ./web/static
COPY tenants ./tenants
RUN mkdir -p var && chown reciprocal var
USER reciprocal
ENV PATH=/app/.venv/bin:$PATH HOST=0.0.0.0 PORT=8000 PYTHONUNBUFFERED=1
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s \
  CMD ["python", "-c", "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=2)"]
# uvicorn serves the app; run one container per core behind a load balancer.
CMD ["reciprocal", "serve"]
