apiVersion: v1
kind: Secret
type: kubernetes.io/tls
metadata:
  name: app-tls
stringData:
  tls.crt: {{ secret "akv://demo/tls-cert" | pemChain | yaml }}
  tls.key: {{ secret "akv://demo/tls-cert" | pemKey | yaml }}
  ca.crt: {{ secret "akv://demo/tls-cert" | pemCA | yaml }}
