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
{{- $certManager := .Capabilities.APIVersions.Has "cert-manager.io/v1" -}}
{{- if and (eq .Values.tls.mode "certManager") (not $certManager) -}}
{{- fail "tls.mode is certManager, but this cluster does not serve cert-manager.io/v1: install cert-manager first, or set tls.mode=selfManaged (the injector makes its own certificate; the default) or tls.mode=secret (with helm template, pass --api-versions cert-manager.io/v1 when the cluster has it)" -}}
{{- end -}}
{{- if and .Values.gateway.enabled (eq .Values.gateway.tls.mode "certManager") (not $certManager) -}}
{{- fail "gateway.tls.mode is certManager, but this cluster does not serve cert-manager.io/v1: install cert-manager first, or set gateway.tls.mode=selfManaged (the chart makes the gateway's certificate; the default) or gateway.tls.mode=secret (with helm template, pass --api-versions cert-manager.io/v1 when the cluster has it)" -}}
{{- end -}}
{{- if not (kindIs "invalid" .Values.networkPolicy.allowOtherPorts) -}}
{{- fail "networkPolicy.allowOtherPorts is gone: the JobManager NetworkPolicy is now networkPolicy.jobManagers (off by default; when on it selects only injected pods and keeps open the ports of networkPolicy.jobManagers.allowPorts, without endPort). Remove networkPolicy.allowOtherPorts from your values" -}}
{{- end -}}
{{- range (.Values.networkPolicy.jobManagers.allowPorts | default list) -}}
{{- if eq (toString .) (toString $.Values.sidecar.port) -}}
{{- fail (printf "networkPolicy.jobManagers.allowPorts lists sidecar.port (%v): that would open the sidecar's port to every peer; remove it (Prometheus is let in by networkPolicy.prometheus)" $.Values.sidecar.port) -}}
{{- end -}}
{{- end -}}
{{- include "flink-autoscaler.validatePolicy" . -}}
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

{{/*
The policy values as the sidecar's config validation checks them together (shared/src/config/schema.ts
crossFieldIssues), each value set or else its default from files/policy-defaults.json (which
scripts/chart-schema.ts writes from the shared option table), so that values which render never make the
injector exit on start.
*/}}
{{- define "flink-autoscaler.validatePolicy" -}}
{{- $defaults := .Files.Get "files/policy-defaults.json" | fromJson -}}
{{- $policy := .Values.policy | default dict -}}
{{- $value := dict -}}
{{- $shown := dict -}}
{{- range $path := list "minWorkers" "maxWorkers" "targetCpu" "scaleUp.cpu" "scaleDown.cpu" "scaleUp.backlogTimeSeconds" "scaleDown.backlogTimeSeconds" "intervalSeconds" "windowSeconds" -}}
{{- if not (hasKey $defaults $path) -}}
{{- fail (printf "files/policy-defaults.json has no %s: run scripts/chart-schema.ts" $path) -}}
{{- end -}}
{{- $given := $policy -}}
{{- $found := true -}}
{{- range $key := splitList "." $path -}}
{{- if and $found (kindIs "map" $given) (hasKey $given $key) -}}
{{- $given = index $given $key -}}
{{- else -}}
{{- $found = false -}}
{{- end -}}
{{- end -}}
{{- if or (not $found) (kindIs "invalid" $given) -}}
{{- $_ := set $value $path (float64 (index $defaults $path)) -}}
{{- $_ := set $shown $path (printf "policy.%s (%v, the default)" $path (index $defaults $path)) -}}
{{- else -}}
{{- $_ := set $value $path (float64 $given) -}}
{{- $_ := set $shown $path (printf "policy.%s (%v)" $path $given) -}}
{{- end -}}
{{- end -}}
{{- $issues := list -}}
{{- if gt (get $value "minWorkers") (get $value "maxWorkers") -}}
{{- $issues = append $issues (printf "%s must be at most %s" (get $shown "minWorkers") (get $shown "maxWorkers")) -}}
{{- end -}}
{{- if not (and (lt (get $value "scaleDown.cpu") (get $value "targetCpu")) (lt (get $value "targetCpu") (get $value "scaleUp.cpu"))) -}}
{{- $issues = append $issues (printf "%s must lie strictly between %s and %s (otherwise a resized job lands on a trigger)" (get $shown "targetCpu") (get $shown "scaleDown.cpu") (get $shown "scaleUp.cpu")) -}}
{{- end -}}
{{- if ge (get $value "scaleDown.backlogTimeSeconds") (get $value "scaleUp.backlogTimeSeconds") -}}
{{- $issues = append $issues (printf "%s must be less than %s" (get $shown "scaleDown.backlogTimeSeconds") (get $shown "scaleUp.backlogTimeSeconds")) -}}
{{- end -}}
{{- if lt (get $value "windowSeconds") (mulf 2 (get $value "intervalSeconds")) -}}
{{- $issues = append $issues (printf "%s must be at least twice %s (a window must hold the samples a slope needs)" (get $shown "windowSeconds") (get $shown "intervalSeconds")) -}}
{{- end -}}
{{- if $issues -}}
{{- fail (printf "policy values contradict each other (the injector would refuse them and exit): %s" (join "; " $issues)) -}}
{{- end -}}
{{- end -}}
