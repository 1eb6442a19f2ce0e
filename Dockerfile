FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements/ requirements/
RUN pip install --no-cache-dir -r requirements/production.txt

COPY . .
# Static files are collected at build time; a throwaway key and cache address (never connected
# to) are enough for that step.
RUN DJANGO_SECRET_KEY=build-only DJANGO_ALLOWED_HOSTS=localhost CACHE_URL=redis://localhost:6379/1 \
    python manage.py collectstatic --noinput --settings=cartography.settings.production

RUN useradd --create-home --uid 1000 app && chown -R app /app
USER app
EXPOSE 8000
CMD ["gunicorn", "cartography.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
