# /etc/systemd/system/app.service.d/secrets.conf
[Service]
Environment=DB_PASSWORD={{ secret "akv://demo/db-password" | systemd }}
Environment=API_KEY={{ secret "akv://demo/api-key" | systemd }}
