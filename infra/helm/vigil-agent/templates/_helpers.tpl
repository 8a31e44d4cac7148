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
