import { kubeLoginBody, route, serveKubeLogin } from "@/server/api";

export const dynamic = "force-dynamic";

/** POST /api/auth/kube-login: sign in with a Kubernetes bearer token (roles from the cluster's SelfSubjectAccessReview). */
export const POST = route({ name: "auth.kubeLogin", access: "public", body: kubeLoginBody, maxBodyBytes: 16384 }, ({ body }, ctx) => serveKubeLogin(ctx, body));
