import { INT4_MAX, queryInt } from "../http/inputs";
import { z } from "zod";
import type { Runtime } from "../runtime";
import { proxyConfig, proxyStatus } from "./status";

export const proxyConfigParams = z.strictObject({ stream: queryInt(1, INT4_MAX, "a stream number") });
export const proxyConfigQuery = z.strictObject({ type: z.enum(["listener", "route", "cluster", "endpoint"], { error: "must be listener, route, cluster or endpoint" }).default("listener") });

export const proxyStatusRoute = (rt: Runtime) => proxyStatus(rt);
export const proxyConfigRoute = (rt: Runtime, stream: number, type: z.infer<typeof proxyConfigQuery>["type"]) => proxyConfig(rt, stream, type);
