"""gunicorn settings for govfeedback (used by the Docker image and the systemd unit).

Every value can be overridden from the environment: GUNICORN_BIND, WEB_CONCURRENCY,
GUNICORN_THREADS, GUNICORN_TIMEOUT.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Synchronous workers: the views are short database round trips; more load means more processes
# (and more machines), not a different server. One more than the CPUs: on 2 CPUs shared with a
# Celery worker, 3 answered 330 webhooks/s where 4 answered 290 and 6 answered 230 (make bench).
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() + 1, 9)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (bounded memory over months of uptime).
max_requests = 2000
max_requests_jitter = 200
# Logs go to stdout/stderr: the journal or `docker compose logs`.
accesslog = "-"
errorlog = "-"
# The access log writes the path without the query string (%(U)s, not the request line %(r)s):
# the Odnoklassniki webhook's secret is in its URL (/intake/ok/<group>/?secret=...). nginx in
# front logs the query strings of every other path (deploy/nginx.conf).
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(f)s" "%(a)s"'
# nginx in front sets X-Forwarded-For/-Proto; Django trusts the proto with BEHIND_TLS_PROXY=1.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
