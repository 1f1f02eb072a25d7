# include secrets.mk — one := line per secret; make reads $$ as $ and \# as #.
export DB_PASSWORD := {{ secret "akv://demo/db-password" | make }}
export API_KEY := {{ secret "akv://demo/api-key" | make }}
export HASHY := {{ secret "akv://demo/vec-hash" | make }}
