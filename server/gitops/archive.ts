import { gzipSync } from "node:zlib";
import type { Tree } from "./layout";

/**
 * A tree as a .tar.gz that is the same bytes for the same tree: POSIX ustar entries in path order,
 * directories before their files, mtime 0, owner 0:0, modes 0644/0755, and a gzip header without
 * a name or time (Node writes mtime 0). Pure.
 */
const BLOCK = 512;

function header(name: string, size: number, type: "0" | "5"): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  let prefix = "";
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/", 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`path too long for a tar entry: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  const put = (s: string, at: number, len: number) => h.write(s, at, len, "utf8");
  const octal = (n: number, len: number) => n.toString(8).padStart(len - 1, "0") + "\0";
  put(base, 0, 100);
  put(octal(type === "5" ? 0o755 : 0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(0, 12), 136, 12);
  h.fill(" ", 148, 156);
  put(type, 156, 1);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  put(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, "0") + "\0 ", 148, 8);
  return h;
}

export function tarGz(tree: Tree, root = "sextant"): Buffer {
  const parts: Buffer[] = [];
  const dirs = new Set<string>([root]);
  for (const p of tree.keys()) {
    const segs = p.split("/");
    for (let i = 1; i < segs.length; i++) dirs.add(`${root}/${segs.slice(0, i).join("/")}`);
  }
  const entries: { path: string; data?: Buffer }[] = [...[...dirs].map((d) => ({ path: `${d}/` })), ...[...tree].map(([p, text]) => ({ path: `${root}/${p}`, data: Buffer.from(text, "utf8") }))];
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const e of entries) {
    parts.push(header(e.path, e.data?.length ?? 0, e.data ? "0" : "5"));
    if (e.data) {
      parts.push(e.data);
      const pad = (BLOCK - (e.data.length % BLOCK)) % BLOCK;
      if (pad) parts.push(Buffer.alloc(pad, 0));
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return gzipSync(Buffer.concat(parts), { level: 9 });
}
