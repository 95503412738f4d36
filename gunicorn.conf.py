"""gunicorn's settings for the production image (Dockerfile, docker-compose.yml's web service).

Each can be changed from the environment; the defaults suit one container behind a proxy.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# The addresses of the TLS proxy, whose X-Forwarded-* headers are believed (gunicorn's own
# variable; the compose network's proxy is not 127.0.0.1, so set it there).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The access log names the path without its query string (%(U)s, never the request line %(r)s
# or %(q)s): search forms put names and dates of birth there. No client address or user agent
# either; the proxy keeps those. The response's X-Request-ID ties the line to the application's
# JSON log records (cvms/logs.py).
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'
errorlog = "-"

# No runtime control socket: a container is managed by restarting it, and the image's user has
# no home to put the socket in.
control_socket_disable = True
