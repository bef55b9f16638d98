import "server-only";

/**
 * The facade app/ route handlers call: one function per endpoint, each taking
 * the runtime and validated input. Keeps handlers to a few lines and keeps
 * domain code out of app/.
 */
export { checkHealth } from "./health";
export { serveServices, servicesQuery } from "./mesh/api";
import { createRoute } from "./http/route";
import { getRuntime, isDraining } from "./runtime";
import { telemetry } from "./telemetry/metrics";

/** The route wrapper with the process's runtime and its sign-in (tests build their own with createRoute). */
export const route = createRoute({ runtime: getRuntime, authenticate: async (request) => (await getRuntime()).auth.authenticate(request), observe: (...a) => telemetry().request(...a), trustedHosts: publicHosts, draining: isDraining });

async function publicHosts(): Promise<string[]> {
  const url = (await getRuntime()).config.auth.publicUrl;
  return url ? [new URL(url).host] : [];
}
export { Reply, TextReply } from "./http/route";
export { serveMetrics, serveReady } from "./telemetry/api";
export { isDraining } from "./runtime";
export { graphLatencyQuerySchema, graphQuerySchema, graphSeriesQuerySchema, serveGraph, serveGraphLatency, serveGraphSeries } from "./metrics/graph/api";
export {
  INTENT_BODY_LIMIT,
  applyBody,
  diffQuery,
  intentIdParams,
  listIntentsQuery,
  previewBody,
  rollbackBody,
  serveApply,
  serveDiff,
  serveHistory,
  serveListIntents,
  serveObjects,
  servePreview,
  serveRollback,
} from "./intents/api";
export { applyClusterBody, objectRef, planBody, serveAdopt, serveApplyCluster, serveCluster, serveClusterObjects, serveClusterSettings, serveImportLimiters, servePlan, settingsBody } from "./kube/api";
export { exportQuery, serveExport } from "./gitops/api";
export { autoExportBody, commitBody, compareBody, serveCompareArchive, serveCompareTarget, serveUpdateTarget, serveCommitExport, serveCreateTarget, serveDeleteTarget, serveExports, servePreviewExport, serveTargets, targetBody, targetParams } from "./gitops/targets";
export { detailParams, detailQuery, serveDetailMetrics } from "./metrics/detail-api";
export { proxyConfigParams, proxyConfigQuery, serveProxies, serveProxyConfig } from "./xds/api";
export {
  LIMITER_BODY_LIMIT,
  applyLimiterBody,
  deleteLimiterQuery,
  limiterIdParams,
  previewLimiterBody,
  serveApplyLimiter,
  serveDeleteLimiter,
  serveEvaluateLimiters,
  serveGetLimiter,
  serveListLimiters,
  servePreviewLimiter,
} from "./limiter/api";
export {
  auditQuery,
  createTokenBody,
  createUserBody,
  idParams,
  kubeLoginBody,
  loginBody,
  oidcCallbackQuery,
  oidcLoginQuery,
  serveAudit,
  serveOidcCallback,
  serveOidcLogin,
  serveCreateToken,
  serveCreateUser,
  serveKubeLogin,
  serveLogin,
  serveLogout,
  serveMe,
  serveRevokeToken,
  serveSetup,
  serveTokens,
  serveUpdateUser,
  serveUsers,
  serveVerifyAudit,
  setupBody,
  updateUserBody,
} from "./auth/api";
