# One image for both processes: the API (default command) and the workers (docker-compose.yml).
FROM node:20-bookworm-slim

# Binaries the pipeline runs: ffmpeg/ffprobe (trim, audio, posters), espeak-ng (speech fixtures), yt-dlp (URL ingest).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg espeak-ng yt-dlp ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so code changes reuse this layer. Dev dependencies stay: the processes run
# TypeScript through tsx, and `prisma generate` / codegen run below. No install scripts are needed
# (esbuild and msgpackr-extract ship their binaries as optional packages; Prisma's engine download is unused).
COPY package.json package-lock.json ./
RUN npm ci --include=dev --ignore-scripts --no-audit --no-fund

COPY . .
# Prisma client + Pothos types (src/generated) and the typed SDK (sdk/generated). The processes run as
# `node` and write only under /data (files, scratch space), never into /app.
RUN npm run generate \
 && mkdir -p /data/storage /data/tmp \
 && chown -R node:node /data

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    STORAGE_LOCAL_ROOT=/data/storage \
    TEMP_DIR=/data/tmp
USER node
EXPOSE 4000
# Health checks live in docker-compose.yml: the API's probes /readyz, the workers have no HTTP port.
CMD ["node", "--import", "tsx", "src/server.ts"]
