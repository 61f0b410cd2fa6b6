# Multi-stage build: compile TypeScript and the native SQLite module, then ship only what runs.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
ENV npm_config_build_from_source=true
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY bench ./bench
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
COPY workflows ./workflows
COPY data-samples ./data-samples
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# The Procfile picks the process type; the image defaults to the web process.
CMD ["node", "dist/src/processes/web.js"]
