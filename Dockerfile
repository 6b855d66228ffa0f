# a2p-onboard: one image for the worker, the dashboard and the sandbox.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
# package.json overrides msgpackr-extract with this local stub (see Dependencies in docs/architecture.md): npm ci needs it.
COPY stubs ./stubs
COPY src ./src
# The build (npm ci's prepare) copies the ledger's Lua scripts into dist with this.
COPY scripts/copy-assets.mjs ./scripts/
# The sandbox checks every request against Twilio's OpenAPI files, which ship in a devDependency:
# keep the three it reads before the dev dependencies are pruned.
RUN npm ci --no-audit --no-fund \
 && mkdir -p openapi \
 && cp node_modules/@twilio-alpha/mcp/twilio-oai/spec/json/twilio_trusthub_v1.json \
       node_modules/@twilio-alpha/mcp/twilio-oai/spec/json/twilio_messaging_v1.json \
       node_modules/@twilio-alpha/mcp/twilio-oai/spec/json/twilio_api_v2010.json openapi/ \
 && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
ENV SANDBOX_OPENAPI_DIR=/app/openapi
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/stubs ./stubs
COPY --from=build /app/openapi ./openapi
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY examples ./examples
USER node
ENTRYPOINT ["node", "bin/a2p-onboard.js"]
CMD ["worker"]
