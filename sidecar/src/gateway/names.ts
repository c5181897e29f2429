/** Kubernetes names: DNS-1123 labels (namespaces) and subdomains without dots (FlinkDeployments). */
export const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
