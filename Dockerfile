# syntax=docker/dockerfile:1
#
# MCP Station as a container. Two targets:
#
#   docker build -t mcp-station .                      # default: the binary + Node.js, npx, Python and uv,
#                                                      # so the seed's python and node servers (and npx/uvx ones) run
#   docker build --target minimal -t mcp-station:min . # the binary alone, for server_type "command" executables
#                                                      # you add to the image yourself
#
# Both run as a non-root user under tini (the station is otherwise PID 1 and
# would have to reap every orphan its servers leave), keep sessions in the
# /data volume (restored after a restart), and answer the HEALTHCHECK on
# /healthz through the binary itself (`mcp-station --healthcheck`), so no curl
# is needed. Set MCP_STATION_API_KEYS: without a credential the station serves
# loopback clients only (protected mode), and other containers are not loopback.

ARG BUN_VERSION=1.4.5
ARG NODE_VERSION=22

# --- dependencies: npm, from the lockfile the repository keeps ------------------
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- build: one self-contained executable ---------------------------------------
FROM oven/bun:${BUN_VERSION} AS build
WORKDIR /src
COPY --from=deps /src/node_modules ./node_modules
COPY package.json tsconfig.json build.ts ./
COPY src ./src
# The console's source: bundled into the binary at build time (src/modules/ui/bundle-macro.ts).
COPY ui ./ui
RUN bun run build.ts --outfile=/out/mcp-station
# An empty data directory, handed to the runtime user in the minimal image (which has no shell to make one).
RUN mkdir -p /out/data

# --- tini, static, for the minimal image ----------------------------------------
FROM debian:bookworm-slim AS tini
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*

# --- minimal: the binary alone (glibc from distroless/cc) -----------------------
FROM gcr.io/distroless/cc-debian12:nonroot AS minimal
COPY --from=tini /usr/bin/tini-static /usr/bin/tini
COPY --from=build /out/mcp-station /usr/local/bin/mcp-station
COPY --from=build --chown=65532:65532 /out/data /data
ENV MCP_STATION_HOST=0.0.0.0 \
    MCP_STATION_PORT=20100 \
    MCP_STATION_DATA_DIR=/data \
    LOG_LEVEL=info
# Not /data: the binary reads .env from its working directory.
WORKDIR /home/nonroot
VOLUME ["/data"]
EXPOSE 20100
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/mcp-station", "--healthcheck"]
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/mcp-station"]

# --- default: the binary plus the runtimes the seed's servers need ---------------
FROM node:${NODE_VERSION}-bookworm-slim AS default
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# uv and uvx for Python servers started with `uvx some-server`.
COPY --from=ghcr.io/astral-sh/uv:0.9 /uv /uvx /usr/local/bin/
COPY --from=build /out/mcp-station /usr/local/bin/mcp-station
RUN groupadd --system --gid 10001 mcp \
 && useradd --system --uid 10001 --gid mcp --create-home --home-dir /home/mcp mcp \
 && mkdir -p /data \
 && chown mcp:mcp /data
ENV MCP_STATION_HOST=0.0.0.0 \
    MCP_STATION_PORT=20100 \
    MCP_STATION_DATA_DIR=/data \
    MCP_STATION_PYTHON=python3 \
    MCP_STATION_NODE=node \
    LOG_LEVEL=info \
    # npx and uv caches live in the user's home, which is writable.
    HOME=/home/mcp
# The working directory is not /data: the binary reads .env from its working directory.
WORKDIR /home/mcp
VOLUME ["/data"]
EXPOSE 20100
USER mcp
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/mcp-station", "--healthcheck"]
ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/mcp-station"]
