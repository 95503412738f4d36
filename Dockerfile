# The production image: one image for the web process, the Celery worker and Celery beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint needs Pango; gettext compiles the translations; curl asks /healthz for the healthcheck.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b \
       fonts-dejavu-core gettext curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt build-constraints.txt ./
RUN pip install --no-cache-dir --build-constraint build-constraints.txt -r requirements.txt

COPY . .
# Build-time only: collectstatic and compilemessages need settings, not secrets.
RUN SECRET_KEY=build-only python manage.py compilemessages --ignore=.venv -v0 \
    && SECRET_KEY=build-only python manage.py collectstatic --no-input -v0

RUN useradd --system --uid 1000 cvms && mkdir -p /app/media && chown cvms /app/media
USER cvms

EXPOSE 8000
# gunicorn.conf.py: bind, workers (GUNICORN_WORKERS), trusted proxies (FORWARDED_ALLOW_IPS), and an
# access log without query strings.
CMD ["gunicorn", "--config", "gunicorn.conf.py", "cvms.wsgi:application"]
