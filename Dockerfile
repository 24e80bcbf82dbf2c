# Multi-stage: build wheels with the compiler, run on a slim image as a non-root user.
FROM python:3.11-slim AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 ENV=production UPLOAD_DIR=/data/uploads
RUN useradd --create-home --uid 10001 zhijian && mkdir -p /data/uploads && chown -R zhijian /data
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
WORKDIR /app
COPY alembic.ini ./
COPY alembic ./alembic
COPY app ./app
USER zhijian
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
# DATABASE_URL, SECRET_KEY and AUDIT_KEY come from the environment; migrations run before the server starts.
# X-Forwarded-For is believed only from TRUSTED_PROXIES (the app reads it; uvicorn's own proxy handling is off).
# The same image runs the job-engine workers beside the API (as many as wanted, on any machine):
#   docker run … zhijian                                   the API
#   docker run … zhijian python -m app.cli worker          a worker (repeat for N workers)
CMD ["sh", "-c", "python -m app.cli migrate && exec uvicorn app.main:app_factory --factory --host 0.0.0.0 --port 8000 --no-proxy-headers"]
