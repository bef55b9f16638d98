import { request } from "./api";

/** JSON writes (POST/PUT/DELETE) through the one request() and its error contract. */
export function sendJson<T>(method: "POST" | "PUT" | "DELETE", url: string, body: unknown): Promise<T> {
  return request<T>(method, url, body === undefined ? {} : { body });
}
