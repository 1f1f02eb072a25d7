apiVersion: v1
kind: Secret
metadata:
  name: app-secrets
type: Opaque
data:
  db-password: {{ secret "akv://demo/db-password" | base64 }}
stringData:
  api-key: {{ secret "akv://demo/api-key" | yaml }}
  multi-line: {{ secret "akv://demo/multi-line" | yaml }}
