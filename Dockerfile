# enms: one image for the daemon (`enms run`) and the API (`enms api`); docker-compose.yml
# runs it as two services. Build: docker build -t enms:local .
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /opt/enms
COPY pyproject.toml README.md ./
# the layers, lowest first (docs/architecture.md)
COPY baselines ./baselines
COPY core ./core
COPY energy ./energy
COPY plugins ./plugins
COPY daemon ./daemon
COPY api ./api
COPY simulation ./simulation
COPY enms ./enms
RUN pip install . \
    && useradd --system --create-home --home-dir /var/lib/enms enms

# State that must survive a restart (spool, register) lives in /var/lib/enms: a volume.
USER enms
WORKDIR /var/lib/enms
VOLUME ["/var/lib/enms"]
ENTRYPOINT ["enms"]
CMD ["--help"]
