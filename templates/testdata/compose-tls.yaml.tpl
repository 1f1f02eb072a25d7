name: app
services:
  web:
    image: nginx:stable
    environment:
      TLS_KEY: {{ secret "akv://demo/tls-cert-pem" | pemKey | yaml }}
      TLS_CERT: {{ secret "akv://demo/tls-cert-pem" | pemCert | yaml }}
    configs:
      - source: tls_chain
        target: /etc/nginx/tls/chain.pem
configs:
  tls_chain:
    content: {{ secret "akv://demo/tls-cert-pem" | pemChain | yaml }}
