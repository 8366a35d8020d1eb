# The sandbox image every exercise shares: Python with the exercise's pinned environment (its
# image/requirements.txt), installed offline from the wheelhouse (no network), and an unprivileged user.
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

COPY requirements.txt /opt/opsdrill/requirements.txt
COPY wheelhouse/ /opt/wheelhouse/
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-index --no-deps --no-cache-dir --disable-pip-version-check \
         --find-links /opt/wheelhouse -r /opt/opsdrill/requirements.txt \
    && /opt/venv/bin/python -m pip check \
    && echo "candidate:x:10001:10001:candidate:/tmp:/usr/sbin/nologin" >> /etc/passwd \
    && echo "candidate:x:10001:" >> /etc/group \
    && mkdir -p /workspace && chown 10001:10001 /workspace

# Candidates' pip (e.g. `pip install --dry-run -r requirements.txt`) sees only the wheelhouse.
ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PIP_NO_INDEX=1 \
    PIP_FIND_LINKS=/opt/wheelhouse \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp \
    LANG=C.UTF-8
USER 10001:10001
WORKDIR /workspace
