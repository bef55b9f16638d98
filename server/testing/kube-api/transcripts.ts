import fs from "node:fs";
import path from "node:path";

/** Reading ../shared/kube-transcripts: what a real kube-apiserver 1.32 answered, request by request. */
export const TRANSCRIPTS_DIR = path.join(process.cwd(), "server", "testing", "kube-api", "transcripts");

export interface Exchange {
  step: string;
  request: { requestLine: string; headers: Record<string, string>; body?: unknown; bodyText?: string };
  response: { status: number; headers: [string, string][]; body?: unknown; bodyText?: string };
  events?: { type: string; event: { type: string; object: Record<string, unknown> } }[];
}

export function transcript(file: string): Exchange[] {
  const t = JSON.parse(fs.readFileSync(path.join(TRANSCRIPTS_DIR, file), "utf8")) as { steps: (Exchange | { note: string })[] };
  return t.steps.filter((s): s is Exchange => !("note" in s));
}


/** Sends one recorded request to `base` (tokens mapped), returns status, content type and body. */
export async function replay(base: string, x: Exchange, tokens: Record<string, string>): Promise<{ status: number; contentType: string; body: unknown; text: string; headers: Headers }> {
  const [method, target] = x.request.requestLine.split(" ");
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(x.request.headers)) {
    if (["host", "content-length"].includes(k.toLowerCase())) continue;
    headers[k] = k === "Authorization" ? v.replace(/<([a-z]+)-token>/, (_, who: string) => tokens[who] ?? "unknown") : v;
  }
  const body = x.request.bodyText ?? (x.request.body === undefined ? undefined : JSON.stringify(x.request.body));
  const res = await fetch(base + target, { method, headers, ...(body !== undefined && method !== "GET" ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // plain text (404 page not found)
  }
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", body: parsed, text, headers: res.headers };
}

export const header = (x: Exchange, name: string) => x.response.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
