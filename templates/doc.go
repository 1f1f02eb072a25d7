// Package templates turns (name, value) pairs into the text that shells,
// dotenv readers, make, CI runners and JSON parsers read back unchanged,
// refusing values a format cannot carry; it also renders text/template
// files whose secret references a caller-supplied resolver fetches in one
// batch, parses reference env files, and reads certificate-backed secrets
// (a base64 PFX or PEM) into the PEM and PKCS#12 files servers read.
//
// It is pure: it never imports vault, credential or the Azure SDK, never
// does I/O, and never puts a value into an error.
package templates
