// Command akv fetches Azure Key Vault secrets for scripts.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(run(context.Background(), osEnv(), os.Args))
}
