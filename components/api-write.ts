import { ApiError, type FieldIssue } from "./api";

/** JSON writes (POST/PUT) through the same error contract as reads. */
export async function sendJson<T>(method: "POST" | "PUT" | "DELETE", url: string, body: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { method, headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify(body) });
  } catch {
    throw new ApiError("cannot reach the Sextant server; is it running?", 0, "network");
  }
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    const e = (parsed as { error?: { code?: string; message?: string; issues?: FieldIssue[] }; requestId?: string } | null) ?? {};
    throw new ApiError(e.error?.message ?? `request failed with status ${res.status}`, res.status, e.error?.code ?? "http_error", e.error?.issues, e.requestId);
  }
  return parsed as T;
}
