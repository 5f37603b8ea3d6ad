# MOps Portal production image: gunicorn on :8000, static files collected at build time and
# served by WhiteNoise. The same image runs the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# An unprivileged user runs the app; the code stays owned by root, so the app cannot modify it.
RUN groupadd --system --gid 1000 mops \
    && useradd --system --uid 1000 --gid mops --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin mops

# pg_dump and pg_restore for the nightly backup and `manage.py restore_backup` (Debian's client is
# at least as new as the PostgreSQL 15 that docker-compose.yml runs, as pg_dump must be).
RUN apt-get update \
    && apt-get install --yes --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first (cached until the lock changes); every file is checked against its hash.
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY . .

# Production settings (DEBUG off) need SECRET_KEY and ALLOWED_HOSTS; the placeholders exist only
# for this step and are not baked into the image's environment.
RUN DEBUG=false \
    SECRET_KEY=build-only-placeholder-for-collectstatic-never-used-at-runtime-0123456789 \
    ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/media /app/backups \
    && chown mops:mops /app/media /app/backups

USER mops

EXPOSE 8000

# /healthz is exempt from the HTTPS redirect; the Host header is "localhost", so keep localhost in
# ALLOWED_HOSTS. Any non-2xx answer (503 = database down) makes urlopen raise, i.e. unhealthy.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8000/healthz', timeout=8)"]

CMD ["gunicorn", "mops.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--worker-tmp-dir", "/dev/shm", "--access-logfile", "-"]
