# syntax=docker/dockerfile:1
# LeekGuard image. Build:   docker build -t leekguard --build-arg EXTRAS=web,postgres,images .
# Run with --init (or compose's `init: true`) so that a small init reaps children and forwards signals;
# `leekguard run` itself stops cleanly on SIGTERM.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---- build: the project and every dependency as wheels ----
FROM ${PYTHON_IMAGE} AS build
# Optional extras (comma-separated): web (review console), postgres (LEEKGUARD_DB=postgresql://...),
# images (QR codes and poster OCR: larger image, adds Debian's libgl1 and libglib2.0-0 below).
ARG EXTRAS=web,postgres
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
# Only what the wheel is made of: tests, benches and fakes never reach the image.
COPY pyproject.toml README.md LICENSE ./
COPY leekguard_types ./leekguard_types
COPY detectors ./detectors
COPY bot ./bot
COPY adapters ./adapters
COPY cli ./cli
COPY seeds ./seeds
RUN pip wheel --wheel-dir /wheels ".${EXTRAS:+[$EXTRAS]}"

# ---- runtime: a venv installed from those wheels only, run as an unprivileged user ----
FROM ${PYTHON_IMAGE} AS runtime
ARG EXTRAS=web,postgres
# opencv (pulled in by rapidocr for the images extra) loads libGL and libgthread when imported. Not pinned:
# bookworm's security updates replace the versions a pin would name.
# hadolint ignore=DL3008
RUN case "$EXTRAS" in \
      *images*) apt-get update \
        && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
        && rm -rf /var/lib/apt/lists/* ;; \
    esac
RUN useradd --system --user-group --uid 10001 --create-home --home-dir /home/leekguard leekguard \
    && mkdir -p /data /config \
    && chown leekguard:leekguard /data \
    && printf '# LeekGuard runs on its defaults; mount your configuration over this file.\n' > /config/config.yaml
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
# The wheels are mounted, not copied, so they add nothing to the image.
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    python -m venv /opt/leekguard \
    && /opt/leekguard/bin/pip install --no-index --find-links=/wheels "leekguard${EXTRAS:+[$EXTRAS]}"
ENV PATH=/opt/leekguard/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    LEEKGUARD_CONFIG=/config/config.yaml \
    LEEKGUARD_DB=/data/leekguard.db
# Created above with the user's ownership, so a new named volume starts out writable by it.
VOLUME ["/data"]
WORKDIR /data
# Numeric, so that runtimes enforcing runAsNonRoot can check it.
USER 10001:10001
# 8080: web console (`leekguard web`, or web.enabled in `run`); 8443: Telegram webhook mode.
EXPOSE 8080 8443
# No HEALTHCHECK here: `leekguard run` has no health endpoint and a port probe would fail whenever the web
# console is off. compose.yaml probes the web console's login page where it runs.
ENTRYPOINT ["leekguard"]
CMD ["run"]
