#!/bin/sh
# Container entry point.
#   web            apply migrations, then serve bullying.wsgi with gunicorn on :8000
#   anything else  run as given (celery -A bullying worker ..., python manage.py ...)
set -eu

if [ "${1:-web}" = "web" ]; then
    [ "$#" -gt 0 ] && shift
    # Migrations may take longer than a request may (DB_STATEMENT_TIMEOUT_MS is for requests).
    DB_STATEMENT_TIMEOUT_MS=0 python manage.py migrate --noinput
    # WEB_CONCURRENCY is read by gunicorn itself (number of worker processes).
    exec gunicorn bullying.wsgi:application \
        --bind 0.0.0.0:8000 \
        --workers "${WEB_CONCURRENCY:-3}" \
        --timeout 60 \
        --worker-tmp-dir /dev/shm \
        --no-control-socket \
        --access-logfile - \
        "$@"
fi

exec "$@"
