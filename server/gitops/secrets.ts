import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Secrets at rest (Git tokens, SSH keys): AES-256-GCM with the key from SEXTANT_SECRET_KEY
 * (32 bytes, as 64 hex digits or base64). Stored as "v1:<iv>:<tag>:<ciphertext>" in base64 parts.
 */
export function parseSecretKey(v: string | undefined): Buffer | undefined {
  if (!v) return undefined;
  const key = /^[0-9a-fA-F]{64}$/.test(v) ? Buffer.from(v, "hex") : Buffer.from(v, "base64");
  if (key.length !== 32) throw new Error("SEXTANT_SECRET_KEY must be 32 bytes (64 hex digits or base64)");
  return key;
}

export function seal(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, iv);
  const data = Buffer.concat([c.update(plain, "utf8"), c.final()]);
  return ["v1", iv.toString("base64"), c.getAuthTag().toString("base64"), data.toString("base64")].join(":");
}

export function open(key: Buffer, sealed: string): string {
  const [v, iv, tag, data] = sealed.split(":");
  if (v !== "v1" || !iv || !tag || data === undefined) throw new Error("a stored secret is not in a form Sextant reads");
  const d = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
  d.setAuthTag(Buffer.from(tag, "base64"));
  return Buffer.concat([d.update(Buffer.from(data, "base64")), d.final()]).toString("utf8");
}
