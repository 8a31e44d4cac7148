{{- define "vigil-agent.fullname" -}}
{{ .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- define "vigil-agent.labels" -}}
app.kubernetes.io/name: vigil-agent
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "vigil-agent.selectorLabels" -}}
app.kubernetes.io/name: vigil-agent
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "vigil-agent.tlsSecret" -}}
{{ include "vigil-agent.fullname" . }}-tls
{{- end -}}

{{/* The Secret every replica shares the cluster credential through (created by the agent, not by Helm). */}}
{{- define "vigil-agent.credentialSecret" -}}
{{- .Values.credentials.secretName | default (printf "%s-credential" (include "vigil-agent.fullname" .)) -}}
{{- end -}}

{{/* The Lease the replicas elect a leader with (same default as the agent's VIGIL_LEADER_ELECTION_LEASE for the default release name). */}}
{{- define "vigil-agent.leaseName" -}}
{{- .Values.leaderElection.leaseName | default (include "vigil-agent.fullname" .) -}}
{{- end -}}
