// Package templates turns (name, value) pairs into the text that shells,
// dotenv readers, make, CI runners and JSON parsers read back unchanged,
// refusing values a format cannot carry; it also renders text/template
// files whose secret references a caller-supplied resolver fetches in one
// batch, parses reference env files, and reads certificate-backed secrets
// (a base64 PFX or PEM) into the PEM and PKCS#12 files servers read.
//
// Every output format is one entry of the table in formats.go (name,
// render escaper, help line, proof, refusal rule, quoting): export,
// render, cmd's completion and --help, and the README's formats table all
// derive from it. How a format quotes and what it refuses is in quote.go,
// under the functions its entry names.
//
// It is pure: it never imports vault, credential or the Azure SDK, never
// does I/O, and never puts a value into an error.
package templates
