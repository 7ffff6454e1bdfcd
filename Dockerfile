# The shadowdiff services (joiner and API) in one image. Node 24 strips the TypeScript types at run
# time: no build step. Only the runtime workspaces and their production dependencies go in: no
# tests, no test helpers, no infra/, no dev dependencies. The base is pinned by digest (a tag is a
# name its owner may move); docs/security.md says how to refresh it.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim@sha256:2fe369e969550cde8e867afc3fe370b260140cab4a23d467074295b42163d553

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY libs ./libs
COPY services/joiner ./services/joiner
COPY services/api ./services/api
# npm's cache lives in a build cache mount, never in a layer. The consumer library (libs/client)
# runs inside the users' services, not here: it goes too.
RUN --mount=type=cache,target=/root/.npm rm -rf libs/client \
 && find libs services \( -name '*.test.ts' -o -name 'vitest.config.*' \) -delete \
 && find libs services -type d \( -name test -o -name __fixtures__ \) -prune -exec rm -rf {} + \
 && npm ci --omit=dev --no-audit --no-fund --workspace=@shadowdiff/joiner --workspace=@shadowdiff/api

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# The joiner's memory settings, as `shadowdiff joiner` sets them (infra/src/joiner-launch.ts).
ENV MALLOC_MMAP_THRESHOLD_=131072
ENV GLIBC_TUNABLES=glibc.malloc.hugetlb=1
WORKDIR /app
# Owned by root, read-only to the process: the service cannot rewrite its own code.
COPY --from=deps /app ./
# The official image's unprivileged `node` user, by number so that runAsNonRoot can check it.
USER 1000:1000
# 9464: the joiner's /metrics and /healthz (set joiner.metricsHost: 0.0.0.0 in the container's
# config); 8080: the API, when the entrypoint is overridden with services/api/src/main.ts.
EXPOSE 9464 8080
ENTRYPOINT ["node", "--disable-warning=TimeoutNegativeWarning", "--max-semi-space-size=8", "services/joiner/src/main.ts"]
CMD ["--config", "/config/shadowdiff.yaml"]
