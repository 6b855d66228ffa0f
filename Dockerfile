# a2p-onboard. Two images from one build:
# - the default (last) target: the worker and the dashboard, production dependencies only, no sandbox;
# - `--target sandbox`: the same CLI with the workspace package @a2p-onboard/twilio-sandbox and its
#   dependencies (Twilio's OpenAPI files among them), for `a2p-onboard sandbox` (docker-compose's sandbox profile).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# package.json overrides msgpackr-extract with this local stub (see Dependencies in docs/architecture.md): npm ci needs it.
COPY stubs ./stubs
# The sandbox is a workspace package: npm ci links it, and the build (npm ci's prepare) builds it first.
COPY packages/twilio-sandbox/package.json packages/twilio-sandbox/tsconfig.json packages/twilio-sandbox/tsconfig.build.json ./packages/twilio-sandbox/
COPY packages/twilio-sandbox/src ./packages/twilio-sandbox/src
COPY src ./src
# The build copies the ledger's Lua scripts into dist with this.
COPY scripts/copy-assets.mjs ./scripts/
RUN npm ci --no-audit --no-fund

# Production dependencies and the workspace package's: what the sandbox image runs.
FROM build AS sandbox-deps
# mkdir: npm hoists the package's dependencies today, but one whose version ever conflicts lands in its own node_modules.
RUN npm prune --omit=dev --no-audit --no-fund && mkdir -p packages/twilio-sandbox/node_modules

# Production dependencies only: without --workspaces=false, npm keeps the sandbox package and its dependencies.
FROM build AS prod-deps
RUN npm prune --omit=dev --workspaces=false --no-audit --no-fund

FROM node:20-bookworm-slim AS sandbox
ENV NODE_ENV=production
WORKDIR /app
COPY --from=sandbox-deps /app/node_modules ./node_modules
COPY --from=build /app/stubs ./stubs
COPY --from=build /app/packages/twilio-sandbox/package.json ./packages/twilio-sandbox/
COPY --from=build /app/packages/twilio-sandbox/dist ./packages/twilio-sandbox/dist
COPY --from=sandbox-deps /app/packages/twilio-sandbox/node_modules ./packages/twilio-sandbox/node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
USER node
ENTRYPOINT ["node", "bin/a2p-onboard.js"]
CMD ["sandbox", "--port", "4010"]

FROM node:20-bookworm-slim AS app
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/stubs ./stubs
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY examples ./examples
USER node
ENTRYPOINT ["node", "bin/a2p-onboard.js"]
CMD ["worker"]
