import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Packages with native pieces, wasm or their own file loading: loaded by Node
  // from node_modules at run time instead of being bundled.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "pglite-prisma-adapter",
    "@prisma/adapter-pg",
    "pg",
    "@grpc/grpc-js",
    "@grpc/grpc-js-xds",
    "@grpc/proto-loader",
    "protobufjs",
    "prom-client",
  ],
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
