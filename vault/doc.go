// Package vault parses secret references and fetches secrets from Azure
// Key Vault through azsecrets: one client per vault, one token request and
// one authentication challenge per vault, bounded parallel gets, and list
// pages pipelined into gets.
//
// It never prints, never reads flags, never exits the process, and never
// puts a secret value into an error or a log line. Errors carry a kind
// (ErrorKind) that cmd maps to an exit code.
package vault
