# The sidecar image: TypeScript compiled in a build stage, then only the production
# dependencies and dist/ in a slim runtime stage that runs as the non-root `node` user
# (uid 1000).
# Node 26 is the Active LTS line (since 2026-10-28); the code also runs on Node >= 20.19.
# Build: docker build -t litellm-langfuse-sidecar .

FROM node:26.13.0-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY sidecar/src ./sidecar/src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:26.13.0-trixie-slim AS runtime
ENV NODE_ENV=production \
    PORT=4000 \
    HOST=0.0.0.0 \
    LOG_FORMAT=json
WORKDIR /app
# npm, npx, corepack and yarn are not needed to run the sidecar: removing them leaves no
# package manager in the running container and keeps image scanners from flagging npm's
# bundled packages. (The base layer keeps their bytes: this does not shrink the image.)
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
    /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
    /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
# Owned by root: the sidecar (uid 1000) can read its code but not rewrite it.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The image's `node` user, by number so a runtime can verify it is not root
# (Kubernetes runAsNonRoot).
USER 1000:1000

# Zeabur takes the first literal EXPOSE as the service port; clients use 4000.
EXPOSE 4000

# Liveness only (never touches LiteLLM); the slim image has no curl, Node has fetch.
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/_sidecar/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Exec form: node is the process that receives SIGTERM and drains in-flight calls
# (compose adds `init: true` so a tiny init reaps zombies and forwards signals).
CMD ["node", "dist/index.js"]
