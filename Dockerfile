# The Holdfast image: the CLI, the Kubernetes operator (`holdfast operator run`) and the data mover
# the operator's backup Jobs run (`holdfast backup /data ...`). One image, so the operator and the
# data movers it starts are always the same version.
#   docker build -t ghcr.io/holdfast/holdfast:0.1.0 .
FROM node:20-bookworm-slim AS build
WORKDIR /src
# Native modules (better-sqlite3, zstd-napi) compile here against the same Node as the runtime stage.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# tini reaps children and forwards SIGTERM, so the operator releases its Lease on shutdown.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends tini ca-certificates attr && rm -rf /var/lib/apt/lists/* \
  && useradd --uid 10001 --create-home --home-dir /home/holdfast holdfast
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
RUN chmod 0755 /app/bin/holdfast.js && ln -s /app/bin/holdfast.js /usr/local/bin/holdfast
USER 10001
ENV NODE_ENV=production
ENTRYPOINT ["/usr/bin/tini", "--", "holdfast"]
CMD ["--help"]
