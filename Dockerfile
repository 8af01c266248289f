# Likeness web and worker image.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# collectstatic needs settings, not secrets: a throwaway key used only during the build.
RUN SECRET_KEY=build-only-not-a-secret python manage.py collectstatic --no-input \
    && useradd --system --uid 10001 --home /app likeness \
    && mkdir -p /data/media /data/originals /data/query-images /data/index /data/models \
    && chown likeness /data/media /data/originals /data/query-images /data/index /data/models

USER likeness
ENV MEDIA_ROOT=/data/media \
    ORIGINALS_ROOT=/data/originals \
    LIKENESS_INDEX_DIR=/data/index \
    LIKENESS_MODEL_DIR=/data/models
EXPOSE 8000
CMD ["gunicorn", "-c", "webapp/gunicorn.conf.py", "webapp.wsgi"]
