"""Docker HEALTHCHECK: GET /healthz from the gunicorn in this container.

Django only answers hosts in ALLOWED_HOSTS and, with DEBUG=0, redirects plain HTTP to
HTTPS; so the request names an allowed host and says it came through the TLS proxy.
Exit status 0 when /healthz answers 200 (it also runs ``SELECT 1`` on the database).
"""

import http.client
import os
import sys


def allowed_host() -> str:
    for host in os.environ.get("ALLOWED_HOSTS", "localhost").split(","):
        host = host.strip().lstrip(".")
        if host and host != "*":
            return host
    return "localhost"


def main() -> int:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", 8000, timeout=4)
        conn.request("GET", "/healthz", headers={"Host": allowed_host(), "X-Forwarded-Proto": "https"})
        status = conn.getresponse().status
    except OSError as exc:
        print(f"healthz: {exc}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"healthz: HTTP {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
