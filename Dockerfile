# Syncline: one image for every role (API node, worker, migrations), the console built in.
# Build:  docker build -t syncline .
# Run:    see deploy/compose.yaml (PostgreSQL, one API node, two workers) or deploy/kubernetes/.

# ---- build: full toolchain, dev dependencies, the console build ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# unixODBC headers for the odbc addon (Sage 100 reads); python3/make/g++ for native addons.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ unixodbc-dev \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY web/package.json web/package.json
RUN npm ci --no-audit --no-fund
COPY . .
# The server runs from its bundle (dist/bundle/syncline.mjs and the chunks beside it); only the packages kept out of the
# bundle (native add-ons, and those loaded on first use) are needed at run time, so dev dependencies go.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: no compilers, non-root ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    SYNCLINE_HOST=0.0.0.0 \
    SYNCLINE_PORT=8080
WORKDIR /app
# unixODBC and the SQLite ODBC driver: Sage 100 reads (ODBC) work in the container too.
RUN apt-get update \
 && apt-get install -y --no-install-recommends unixodbc libsqliteodbc tini \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 8080
# The same probe the orchestrators use: the process answers and the store answers.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.SYNCLINE_HEALTH_PORT||process.env.SYNCLINE_PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini forwards SIGTERM to node so the server and workers drain before exit. bin/syncline sets Node's
# memory settings and execs it (one process); SYNCLINE_NODE_FLAGS adds Node options.
ENTRYPOINT ["/usr/bin/tini", "--", "bin/syncline"]
CMD ["start"]
