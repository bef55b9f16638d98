import path from "node:path";
import { defineConfig } from "prisma/config";

// `prisma generate` refuses to start without a schema engine binary, which
// Prisma downloads from its own servers. Where the download is impossible we
// point it at a stub: generation does not run the engine. Users who do have the
// real engine keep it (??=), so `prisma migrate deploy` works for them.
process.env.PRISMA_SCHEMA_ENGINE_BINARY ??= path.join(import.meta.dirname, "prisma", "engine-stub.sh");

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "" },
});
