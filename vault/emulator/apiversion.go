package emulator

import (
	"fmt"
	"net/http"
	"slices"
)

// apiVersions are the Key Vault data-plane versions the emulator accepts:
// the stable and preview versions of the REST specs
// (azure-rest-api-specs, specification/keyvault/data-plane) and the ones
// the SDKs send — azsecrets v1.5 2026-04-01, the JavaScript SDK 7.6,
// Debian's azure-keyvault-secrets 7.3. Newest stable first.
func apiVersions() []string {
	return []string{
		"2026-04-01", "2025-07-01", "2025-06-01",
		"7.6", "7.6-preview.2", "7.6-preview.1", "7.5", "7.5-preview.1", "7.4", "7.4-preview.1",
		"7.3", "7.3-preview", "7.2", "7.2-preview", "7.1", "7.1-preview", "7.0", "7.0-preview",
		"2016-10-01", "2015-06-01",
	}
}

// checkAPIVersion answers as Key Vault does when a request's api-version
// is missing or unknown: 400 BadParameter, "The specified version (X) is
// not recognized. Consider using the latest supported version (Y)." (the
// service's text, as users have reported it, e.g.
// Azure/azure-sdk-for-python#28595). It runs after authentication, as on
// the service, where an unauthenticated request gets its challenge first.
func checkAPIVersion(w http.ResponseWriter, r *http.Request) bool {
	known := apiVersions()
	v := r.URL.Query().Get("api-version")
	if slices.Contains(known, v) {
		return true
	}
	writeError(w, http.StatusBadRequest, "BadParameter", "",
		fmt.Sprintf("The specified version (%s) is not recognized. Consider using the latest supported version (%s).", v, known[0]))
	return false
}
