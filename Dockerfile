# Lenswalk app image: `lenswalk serve`, `lenswalk migrate`, `lenswalk load-content`.
# Built in two stages: the first turns the checkout into a wheel (which carries the migrations,
# vignettes and journey maps inside the package), the second installs only that wheel.
FROM python:3.11-slim AS wheel
WORKDIR /src
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY vignettes ./vignettes
RUN pip wheel --no-cache-dir --no-deps -w /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.lock /tmp/requirements.lock
COPY --from=wheel /wheels /tmp/wheels
RUN pip install -c /tmp/requirements.lock /tmp/wheels/*.whl \
    && rm -rf /tmp/wheels /tmp/requirements.lock \
    && useradd --system --uid 10001 --create-home --home-dir /srv/lenswalk lenswalk
# The embedded default keeps its data in ./data of the folder it is started from.
WORKDIR /srv/lenswalk
USER lenswalk
EXPOSE 8000
STOPSIGNAL SIGTERM
CMD ["lenswalk", "serve", "--host", "0.0.0.0", "--port", "8000"]
