{{/* Fails the render with a message a person can act on when values contradict each other. */}}
{{- define "flink-autoscaler.validate" -}}
{{- if eq .Values.tls.mode "secret" -}}
{{- if not .Values.tls.secret.name -}}
{{- fail "tls.mode is secret: set tls.secret.name to an existing kubernetes.io/tls Secret in the chart's namespace" -}}
{{- end -}}
{{- if not .Values.tls.secret.caBundle -}}
{{- fail "tls.mode is secret: set tls.secret.caBundle to the base64 PEM of the CA that signed the Secret's certificate" -}}
{{- end -}}
{{- end -}}
{{- if and .Values.gateway.enabled (eq .Values.gateway.tls.mode "secret") (not .Values.gateway.tls.secret.name) -}}
{{- fail "gateway.tls.mode is secret: set gateway.tls.secret.name to an existing kubernetes.io/tls Secret in the chart's namespace" -}}
{{- end -}}
{{- $sa := .Values.gateway.grafana.serviceAccount -}}
{{- if and $sa.name (not $sa.namespace) -}}
{{- fail "gateway.grafana.serviceAccount.name is set: set its namespace too (gateway.grafana.serviceAccount.namespace)" -}}
{{- end -}}
{{- $seen := dict -}}
{{- range .Values.jobNamespaces -}}
{{- if hasKey $seen .namespace -}}
{{- fail (printf "jobNamespaces lists %s twice; list its service accounts in one entry" .namespace) -}}
{{- end -}}
{{- $_ := set $seen .namespace true -}}
{{- end -}}
{{- end -}}
