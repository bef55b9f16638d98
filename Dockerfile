# syntax=docker/dockerfile:1
# Sextant console: Next.js UI + API, runtime (database, registry, demo mesh).
# Build: docker build -t sextant .      Run: see docker-compose.yml

FROM node:22-bookworm-slim AS build
WORKDIR /app
ENV CHECKPOINT_DISABLE=1 NEXT_TELEMETRY_DISABLED=1
# Dependencies first, for layer caching. prisma.config.ts and prisma/ are
# needed by the postinstall `prisma generate`.
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm install --no-audit --no-fund
COPY . .
RUN node node_modules/next/dist/bin/next build \
 && node scripts/pglite-template.mjs \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:22-bookworm-slim
# Git exports (server/gitops) run the git command line; ssh for SSH remotes.
RUN apt-get update && apt-get install -y --no-install-recommends git openssh-client ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    CHECKPOINT_DISABLE=1 \
    NEXT_TELEMETRY_DISABLED=1 \
    PORT=3000 \
    SEXTANT_DATA_DIR=/data
COPY --from=build /app/package.json /app/next.config.ts ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/.next ./.next
COPY --from=build /app/.sextant-cache ./.sextant-cache
# Migrations are applied from prisma/migrations at start-up.
COPY --from=build /app/prisma ./prisma
# The data plane thread (xDS server, demo mesh) runs these sources through tsx
# (server/dataplane/worker-entry.mjs), not the bundle.
COPY --from=build /app/server ./server
COPY --from=build /app/tsconfig.json ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# 3000: console and API. 15010: xDS (ADS) for proxies. 15090: the demo mesh's /metrics for Prometheus.
EXPOSE 3000 15010 15090
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:3000/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "node_modules/next/dist/bin/next", "start", "-H", "0.0.0.0"]
