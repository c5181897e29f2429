# The flink-autoscaler image: one image, the flink-autoscaler CLI as entrypoint, for the injector
# (`injector`), the gateway (`gateway`) and the sidecar the injector adds to JobManager pods (`sidecar`).
# Node 24 LTS slim, non-root, only the sidecar package's production dependencies.
#
#   docker build -t flink-autoscaler:0.1.0 .
#
# test/chart/dockerfile.test.ts stages what the runtime stage copies, runs its RUN line in a clean
# directory and runs the CLI from there.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.base.json tsconfig.json ./
COPY shared/package.json shared/tsconfig.json shared/
COPY sidecar/package.json sidecar/tsconfig.json sidecar/
RUN npm ci --workspace=shared --workspace=sidecar --include-workspace-root --no-audit --no-fund
COPY shared/src shared/src
COPY sidecar/src sidecar/src
RUN npx tsc -b

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY sidecar/package.json sidecar/
RUN npm ci --omit=dev --workspace=sidecar --no-audit --no-fund --cache .npm-cache && rm -rf .npm-cache
COPY --from=build /src/shared/dist shared/dist
COPY --from=build /src/sidecar/dist sidecar/dist
COPY sidecar/bin sidecar/bin
COPY sidecar/traces sidecar/traces
# The image's own unprivileged user (uid 1000), which the chart's securityContext names.
USER 1000:1000
EXPOSE 8443 9090 8080 9877
ENTRYPOINT ["node", "/app/sidecar/bin/flink-autoscaler.js"]
CMD ["--help"]
