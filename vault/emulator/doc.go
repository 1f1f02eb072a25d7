// Package emulator serves a local Azure Key Vault data plane (HTTPS, its
// own CA) and a Cloud Shell style managed-identity token endpoint on
// 127.0.0.1, faithful enough to the wire facts in protocol.md that akv,
// the unmodified azsecrets client and the JavaScript SDK all accept it.
//
// It exists for offline use, demos and tests. It never listens on anything
// but loopback, never prints and never exits the process.
package emulator
