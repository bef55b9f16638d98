#!/bin/sh
# Stand-in for Prisma's native schema engine, which cannot be downloaded on
# machines without access to Prisma's servers. `prisma generate` only needs a
# path that exists; anything that really needs the engine fails loudly here.
echo "Prisma's native schema engine is not installed; Sextant applies migrations itself at start-up (server/store/migrate.ts)." >&2
exit 1
