/**
 * The Kubernetes client, in its own bundle (dist/kube-api.cjs): only `serve
 * --kubeconfig` needs it, to list and watch the aws-auth ConfigMap. Its
 * KubeConfig does what kubectl does with a kubeconfig (certificates, tokens,
 * exec plugins, proxies); the two classes come from their own modules so the
 * generated API clients stay out (about 1 MB instead of 2).
 */
export { KubeConfig } from "@kubernetes/client-node/dist/config.js";
export { Watch } from "@kubernetes/client-node/dist/watch.js";
// The HTTP client KubeConfig.applyToFetchOptions is made for (its agent and headers).
export { default as fetch } from "node-fetch";
