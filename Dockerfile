# Production image: the same code as `make run`, configured only by environment variables.
FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-liberation2 poppler-utils \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs settings, not secrets: a throwaway key for the build step only.
RUN SECRET_KEY=build-only DEBUG=false python manage.py collectstatic --noinput
RUN useradd --create-home app && mkdir -p /app/var/media /app/var/backup && chown -R app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "lamandau_bpjs.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60"]
