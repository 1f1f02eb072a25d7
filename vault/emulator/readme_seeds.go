package emulator

// readmeSeeds are the demo secrets the README's examples name beyond the
// everyday ones, so that every example runs as written against the
// emulator (cmd/akv's README test runs them). The key and certificate are
// throwaway demo material (CN=demo.example, valid for 100 years), never
// used for anything but these examples.
func readmeSeeds() map[string]Seed {
	return map[string]Seed{
		"tls-key": {Value: `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg7+N50aQNTgcVg1Ab
GdSPgY4OpEfCJzx72v6OmCl5QBOhRANCAAQyTLBoNMNayfU4GQ4wnA55RP1l+gVW
XaiIZL2zAg44dExDiSqGioaQi4VFTixskR+XDa6ABiE1C1k35N/+4kvY
-----END PRIVATE KEY-----
`, ContentType: "application/x-pem-file"},
		"cert-pfx-b64": {Value: "MIIEZQIBAzCCBBsGCSqGSIb3DQEHAaCCBAwEggQIMIIEBDCCAqIGCSqGSIb3DQEHBqCCApMwggKPAgEAMIICiAYJKoZIhvcNAQcBMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiFiEUgbhGAXQICCAAwDAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEBbBuTlAroTL/kviAKZdxSmAggIgWzte4hZzcUQNSrWGowrMrcteXnG/iD5Mj45doQGa33kYSrBcwb6XtalkPvfIRe+i9q/B/OmtCzbbwLLt73MIbWuWUK52s1+EXguS/oEhbtHZEMP30f9gX4rOHFFuJ5SHfjl4cfzQRxMZRLpWJPf4O51Zao1rfCwrc4w7bSdJOAUNmySNzcrfLexJkZevtdR1pBYdOUL7pRaS3SaJM9IsIkmnl26wW9DA2/ccjSRUioKj6IRT/z1SZEGpRKIxR26GefuljF/oCFdLfeNv2EegAxfxvSv6ORYuyDZaT1S1m87NB6pFgNVE2ZilR+NynWDzg3cnwzDo46tggxHU1MHGQUuyfDU/x4k3tksc3by8PVrAsBN66Rrjh24YpjGz5LRGbi9dbsWzryR2m88zmvjRra4Y86Sf/hO6iHaQCoiBNdV1KQ6+KOLg6eDo+NsZsTbdFP7NaJauCS/ecH3zodpw4R6KG7MNZcazJyVPtVJNOh0jbX/QJCYsBChNiLZDdIVgs/SlNmAv+JLHRW2d170TX3FbUEJRQq5j/EJShcnxbkT7BRPKwSXpo3sxOItRCPTslGk5BSIorDlx91/9Yd3y+BO2wE3zrLBx1WbiDcPL6RA7Yy8LFayq7ymcw3w7NyIDJQxQDCU3pOjIW+z60g16Yoa09qdyhMIFJbUpXbwVs7ITubp8O/7UQjDw4CoWBgiTHtgV2ThigUz7b6tqNwwzozCCAVoGCSqGSIb3DQEHAaCCAUsEggFHMIIBQzCCAT8GCyqGSIb3DQEMCgECoIHvMIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiDF6GCzRl7YAICCAAwDAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEKLU4F+4cIGbv99huTJomyoEgZC3TCvZOJjgQafMUeFGhJOHz7wFr8o8Orih/CoCj9nQe53RYVeVLC9ZPCllKxrdOb8rYtqT5CbcSO176XAlliwqLUZr4xWP0bYVeXXUUswhkDwkf3ZbleH9llLZPXfI9QeGPQItFN+ywW5gGqCQ6MJUEIfuiUBG6Ut1VU1x4ldWjmk+dZpvg2MjzJgKVpUWwdIxPjAXBgkqhkiG9w0BCRQxCh4IAGQAZQBtAG8wIwYJKoZIhvcNAQkVMRYEFHNiDwSfVi1OceNbiiXUmwBZr7GeMEEwMTANBglghkgBZQMEAgEFAAQgarAOnstge0xDw326KnlGL0qZNKENsXq6tRG33TdDInQECOn8AEFl31xXAgIIAA==",
			ContentType: "application/x-pkcs12"},
		"db-url":   {Value: "postgres://app:s3cr3t@db.internal:5432/app?sslmode=require"},
		"ci-token": {Value: "ci-0123456789abcdef0123", Tags: map[string]string{"env": "ci"}},
	}
}
