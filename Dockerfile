FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/app/var

WORKDIR /app
# Pango for WeasyPrint (the shared-care letter PDF), installed only if missing.
RUN if ! ldconfig -p | grep -q libpangoft2-1.0.so.0; then \
      apt-get update && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      && rm -rf /var/lib/apt/lists/*; \
    fi
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY . .
# collectstatic needs settings that load; these values exist only for this build step.
RUN DJANGO_ENV=production SECRET_KEY=collectstatic-only-not-a-real-secret-key-0123456789abcdef \
    ALLOWED_HOSTS=localhost SITE_URL=http://localhost EMAIL_BACKEND_ALLOW_CONSOLE=true \
    python manage.py collectstatic --noinput \
    && useradd --create-home --uid 1000 survivorship \
    && mkdir -p /app/var && chown -R survivorship /app/var

USER survivorship
EXPOSE 8000
CMD ["gunicorn", "survivorship.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
