# docker compose --env-file: rendered by akv render; compose reads "…" with
# \\ \" \n escapes and $$ for a dollar.
DB_PASSWORD={{ secret "akv://demo/db-password" | compose }}
API_KEY={{ secret "akv://demo/api-key" | compose }}
TLS_KEY={{ secret "akv://demo/vec-pem" | compose }}
