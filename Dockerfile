# 中小学生欺凌防治平台 — production image (gunicorn; the same image runs the Celery worker and beat).
# Build:  docker build -t bullying-portal .
# Run:    see docker-compose.yml and README.md.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MEDIA_ROOT=/app/var/media

# WeasyPrint (case-file PDFs) needs Pango and HarfBuzz subsetting; Noto CJK renders Chinese.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app --shell /usr/sbin/nologin app

WORKDIR /app

COPY requirements.txt constraints.txt ./
RUN pip install -c constraints.txt -r requirements.txt

# The code stays owned by root (read-only for the app user); only var/ is writable.
COPY . .

# Static files are collected into the image (whitenoise serves them, hashed and compressed).
# DEBUG=0 selects the manifest storage; the SECRET_KEY here exists for this step only.
RUN DEBUG=0 SECRET_KEY=build-only-collectstatic-key-never-used-at-runtime \
      python manage.py collectstatic --noinput \
 && chmod 0755 docker/entrypoint.sh \
 && mkdir -p "$MEDIA_ROOT" \
 && chown -R app:app /app/var

USER app
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "/app/docker/healthcheck.py"]

ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
