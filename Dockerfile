# The shadowdiff services in one image. Node 24 strips the TypeScript types at run time: no build.
FROM node:24-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs ./libs
COPY services ./services
COPY infra/package.json ./infra/package.json
COPY infra/src ./infra/src
COPY test/package.json ./test/package.json
COPY test/helpers ./test/helpers
RUN npm ci --omit=dev --no-audit --no-fund
USER node
EXPOSE 9464
# The joiner's memory settings, as `shadowdiff joiner` sets them (infra/src/joiner-launch.ts).
ENV MALLOC_MMAP_THRESHOLD_=131072
ENTRYPOINT ["node", "--disable-warning=TimeoutNegativeWarning", "--max-semi-space-size=8", "services/joiner/src/main.ts"]
CMD ["--config", "/config/shadowdiff.yaml"]
