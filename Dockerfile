# The portal's one image: gunicorn by default; docker-compose.yml runs the same image as worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint draws evidence packs with Pango, HarfBuzz and fontconfig; DejaVu is the fallback font.
# (Pillow, psycopg2-binary and the rest bring their own libraries in their wheels.)
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        libfontconfig1 \
        fonts-dejavu-core \
        shared-mime-info \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# Static files are collected into the image and served by WhiteNoise. The key below exists only for
# this build step (settings refuse DEBUG=0 without them); the running containers get the real ones.
RUN DEBUG=0 SECRET_KEY=collectstatic-at-build-time-only-never-used-to-sign-anything-0123456789 \
    RECORDS_HMAC_KEY=collectstatic-at-build-time-only-never-used-to-seal-anything-0123456789 \
    DATA_DIR=/tmp/build-data \
    python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-data

# Run as an unprivileged user; /data (uploads, beat's schedule) is the one place it writes.
RUN groupadd --system --gid 10001 qms \
    && useradd --system --uid 10001 --gid qms --home-dir /app --no-create-home --shell /usr/sbin/nologin qms \
    && mkdir -p /data \
    && chown qms:qms /data
ENV DATA_DIR=/data
USER qms

EXPOSE 8000
CMD ["gunicorn", "qms_portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
