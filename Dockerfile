# Lenswalk app image: `lenswalk serve`, `lenswalk migrate`, `lenswalk load-content`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/lenswalk
COPY pyproject.toml requirements.lock README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY vignettes ./vignettes
# Editable, so the migrations and content files beside `app/` are where the app looks for them
# (a plain install would move only `app/` into site-packages).
RUN pip install -c requirements.lock -e . \
    && useradd --system --uid 10001 --home-dir /srv/lenswalk lenswalk

USER lenswalk
EXPOSE 8000
STOPSIGNAL SIGTERM
CMD ["lenswalk", "serve", "--host", "0.0.0.0", "--port", "8000"]
