{{/* Names, labels and values every template shares. */}}

{{- define "flink-autoscaler.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "flink-autoscaler.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "flink-autoscaler.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "flink-autoscaler.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "flink-autoscaler.labels" -}}
helm.sh/chart: {{ include "flink-autoscaler.chart" . }}
app.kubernetes.io/name: {{ include "flink-autoscaler.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "injector"). */}}
{{- define "flink-autoscaler.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flink-autoscaler.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Labels of one component's objects: (dict "root" $ "component" "injector"). */}}
{{- define "flink-autoscaler.componentLabels" -}}
{{ include "flink-autoscaler.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "flink-autoscaler.injector.fullname" -}}
{{- printf "%s-injector" (include "flink-autoscaler.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "flink-autoscaler.gateway.fullname" -}}
{{- printf "%s-gateway" (include "flink-autoscaler.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "flink-autoscaler.sidecar.fullname" -}}
{{- printf "%s-sidecar" (include "flink-autoscaler.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "flink-autoscaler.injector.serviceAccountName" -}}
{{- if .Values.injector.serviceAccount.create -}}
{{- default (include "flink-autoscaler.injector.fullname" .) .Values.injector.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.injector.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "flink-autoscaler.gateway.serviceAccountName" -}}
{{- if .Values.gateway.serviceAccount.create -}}
{{- default (include "flink-autoscaler.gateway.fullname" .) .Values.gateway.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.gateway.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The namespaces of jobNamespaces, comma-separated (the gateway's --namespaces and Roles). */}}
{{- define "flink-autoscaler.gateway.namespaces" -}}
{{- $names := list -}}
{{- range .Values.jobNamespaces -}}
{{- $names = append $names .namespace -}}
{{- end -}}
{{- $names | join "," -}}
{{- end -}}

{{/* The image: registry/repository, then @digest or :tag (the tag defaults to appVersion). */}}
{{- define "flink-autoscaler.image" -}}
{{- $repo := .Values.image.repository -}}
{{- if .Values.image.registry -}}
{{- $repo = printf "%s/%s" .Values.image.registry .Values.image.repository -}}
{{- end -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repo .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The Secret that holds the injector's serving certificate (certManager and selfManaged modes). */}}
{{- define "flink-autoscaler.tls.secretName" -}}
{{- if eq .Values.tls.mode "secret" -}}
{{- required "tls.secret.name is required when tls.mode is secret" .Values.tls.secret.name -}}
{{- else if eq .Values.tls.mode "selfManaged" -}}
{{- default (printf "%s-tls" (include "flink-autoscaler.injector.fullname" .)) .Values.tls.selfManaged.secretName -}}
{{- else -}}
{{- printf "%s-tls" (include "flink-autoscaler.injector.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "flink-autoscaler.webhook.name" -}}
{{- include "flink-autoscaler.fullname" . -}}
{{- end -}}

{{/*
The policy values as flags, only those set: policy.scaleUp.cpu → --scale-up-cpu=0.9. The schema allows
only the options of the shared table and the sidecar's switches (shared/src/config/switches.ts), so the
flag name follows from the path (names.ts kebabName). The injector passes them to every sidecar; the
gateway gets the options only ("flink-autoscaler.policyOptionArgs": a manual scale's bounds), as it has no
guards for a switch to opt out of and refuses one.
*/}}
{{- define "flink-autoscaler.policyArgs" -}}
{{- include "flink-autoscaler.policyArgsExcept" (dict "policy" .Values.policy "except" (list)) -}}
{{- end -}}

{{- define "flink-autoscaler.policyOptionArgs" -}}
{{- include "flink-autoscaler.policyArgsExcept" (dict "policy" .Values.policy "except" (list "allowNativeMode")) -}}
{{- end -}}

{{- define "flink-autoscaler.policyArgsExcept" -}}
{{- $except := .except -}}
{{- range $key, $value := .policy }}
{{- if has $key $except }}
{{- else if kindIs "map" $value }}
{{- range $leaf, $leafValue := $value }}
- {{ printf "--%s-%s=%v" (kebabcase $key) (kebabcase $leaf) $leafValue | quote }}
{{- end }}
{{- else }}
- {{ printf "--%s=%v" (kebabcase $key) $value | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* True when the cluster (or --api-versions) serves the Prometheus Operator's kind given. */}}
{{- define "flink-autoscaler.hasMonitoring" -}}
{{- if .root.Capabilities.APIVersions.Has (printf "monitoring.coreos.com/v1/%s" .kind) -}}true{{- end -}}
{{- end -}}

{{/* The Secret that holds the gateway's serving certificate. */}}
{{- define "flink-autoscaler.gateway.tlsSecretName" -}}
{{- if eq .Values.gateway.tls.mode "secret" -}}
{{- required "gateway.tls.secret.name is required when gateway.tls.mode is secret" .Values.gateway.tls.secret.name -}}
{{- else -}}
{{- printf "%s-tls" (include "flink-autoscaler.gateway.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/*
"true" when the chart's own self-signed CA (and its Issuer) is needed: a cert-manager certificate of the
injector or the gateway without an issuerRef of the user's.
*/}}
{{- define "flink-autoscaler.ca.needed" -}}
{{- $injector := and (eq .Values.tls.mode "certManager") (not .Values.tls.certManager.issuerRef) -}}
{{- $gateway := and .Values.gateway.enabled (eq .Values.gateway.tls.mode "certManager") (not .Values.gateway.tls.certManager.issuerRef) -}}
{{- if or $injector $gateway }}true{{ end -}}
{{- end -}}

{{/* The chart's own CA Issuer (made by certs/ca.yaml), as an issuerRef. */}}
{{- define "flink-autoscaler.ca.issuerRef" -}}
name: {{ printf "%s-ca" (include "flink-autoscaler.injector.fullname" .) }}
kind: Issuer
group: cert-manager.io
{{- end -}}

{{/* The job service accounts of jobNamespaces as Kubernetes user names, one per line. */}}
{{- define "flink-autoscaler.jobServiceAccountUsers" -}}
{{- range .Values.jobNamespaces }}
{{- $namespace := .namespace }}
{{- range (default (list "flink") .serviceAccounts) }}
{{ printf "system:serviceaccount:%s:%s" $namespace . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* "true" when the ValidatingAdmissionPolicy is rendered (admissionPolicy.enabled, the cluster's version). */}}
{{- define "flink-autoscaler.admissionPolicy.enabled" -}}
{{- $enabled := .Values.admissionPolicy.enabled -}}
{{- if and .Values.jobNamespaces (eq (toString $enabled) "auto") (semverCompare ">=1.30.0-0" .Capabilities.KubeVersion.Version) -}}
true
{{- else if and .Values.jobNamespaces (eq (toString $enabled) "true") -}}
true
{{- end -}}
{{- end -}}

{{/* The namespaces where people's scaler RoleBindings go: rbac.scaler.namespaces, or the job namespaces. */}}
{{- define "flink-autoscaler.scaler.namespaces" -}}
{{- if .Values.rbac.scaler.namespaces -}}
{{- .Values.rbac.scaler.namespaces | join "," -}}
{{- else -}}
{{- include "flink-autoscaler.gateway.namespaces" . -}}
{{- end -}}
{{- end -}}
