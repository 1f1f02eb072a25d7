package emulator

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The secrets operations of the Key Vault REST reference
// (learn.microsoft.com/rest/api/keyvault/secrets, api-version 2025-07-01
// and the specs' examples): bodies, status codes and error codes as the
// service sends them.

// secretBundle is SecretBundle, SecretItem, DeletedSecretBundle and
// DeletedSecretItem in one: list items and the answers of update, delete,
// recover and restore leave Value nil, as the service does.
type secretBundle struct {
	Value              *string           `json:"value,omitempty"`
	ID                 string            `json:"id"`
	ContentType        string            `json:"contentType,omitempty"`
	Attributes         bundleAttributes  `json:"attributes"`
	Tags               map[string]string `json:"tags,omitempty"`
	RecoveryID         string            `json:"recoveryId,omitempty"`
	DeletedDate        int64             `json:"deletedDate,omitempty"`
	ScheduledPurgeDate int64             `json:"scheduledPurgeDate,omitempty"`
}

type bundleAttributes struct {
	Enabled         bool   `json:"enabled"`
	NotBefore       *int64 `json:"nbf,omitempty"`
	Expires         *int64 `json:"exp,omitempty"`
	Created         int64  `json:"created"`
	Updated         int64  `json:"updated"`
	RecoveryLevel   string `json:"recoveryLevel"`
	RecoverableDays int    `json:"recoverableDays"`
}

// bundle describes one version; id is its versioned id.
func bundle(vaultURL, name string, ver *version) secretBundle {
	return secretBundle{
		ID:          vaultURL + "/secrets/" + name + "/" + ver.id,
		ContentType: ver.contentType,
		Attributes: bundleAttributes{Enabled: ver.enabled, NotBefore: ver.nbf, Expires: ver.exp,
			Created: ver.created.Unix(), Updated: ver.updated.Unix(), RecoveryLevel: recoveryLevel, RecoverableDays: recoverableDays},
		Tags: ver.tags,
	}
}

func deletedBundle(vaultURL string, d *deletedSecret) secretBundle {
	b := bundle(vaultURL, d.name, d.latest())
	b.RecoveryID = vaultURL + "/deletedsecrets/" + d.name
	b.DeletedDate = d.deleted.Unix()
	b.ScheduledPurgeDate = d.purgeDate().Unix()
	return b
}

func notFound(w http.ResponseWriter, what string) {
	writeError(w, http.StatusNotFound, "SecretNotFound", "",
		fmt.Sprintf("A secret with (name/id) %s was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182", what))
}

func deletedNotFound(w http.ResponseWriter, name string) {
	writeError(w, http.StatusNotFound, "SecretNotFound", "", "Deleted Secret not found: "+name)
}

func deletedConflict(w http.ResponseWriter, name string) {
	writeError(w, http.StatusConflict, "Conflict", "ObjectIsDeletedButRecoverable",
		fmt.Sprintf("Secret %s is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.", name))
}

func badBody(w http.ResponseWriter, msg string) {
	writeError(w, http.StatusBadRequest, "BadParameter", "", msg)
}

// Request body limits. A set or an update holds at most a 25 KB value
// and 15 tags (Key Vault's limits), but a client may spell each
// character as \uXXXX, or two of them for one rune (Python's json.dumps
// does by default): six times the bytes, and 1 MiB holds them all. A
// restore holds every version of a secret.
const (
	bodyLimit    = 1 << 20
	restoreLimit = 64 << 20
)

// readBody decodes a request body of one JSON value, at most limit
// bytes, into v; anything but white space after the value is an error.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("data after the JSON value")
		}
		return err
	}
	return nil
}

// refuseBody answers a body readBody refused: too large, or not what the
// operation takes (msg).
func refuseBody(w http.ResponseWriter, err error, msg string) {
	if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
		msg = fmt.Sprintf("The request body is too large: over %d bytes.", tooBig.Limit)
	}
	badBody(w, msg)
}

// getSecret returns a version with its value. A disabled version is
// refused; an expired or not-yet-valid one is not: "A secret's get
// operation will work for not-yet-valid and expired secrets"
// (learn.microsoft.com/azure/key-vault/secrets/about-secrets,
// "Date-time controlled operations").
func (v *vaultServer) getSecret(w http.ResponseWriter, r *http.Request, name string) {
	v.c.gets.Add(1)
	id := r.PathValue("version")
	stored, ver, err := v.store.get(name, id)
	if err != nil {
		what := name
		if id != "" {
			what = name + "/" + id
		}
		notFound(w, what)
		return
	}
	if !ver.enabled {
		writeError(w, http.StatusForbidden, "Forbidden", "SecretDisabled", "Operation get is not allowed on a disabled secret.")
		return
	}
	b := bundle(base(r), stored, ver)
	b.Value = &ver.value
	writeJSON(w, http.StatusOK, b)
}

// attributesIn are the writable attributes of SecretAttributes. Raw
// fields tell "absent" (leave as is) from null (clear).
type attributesIn struct {
	Enabled *bool           `json:"enabled"`
	NBF     json.RawMessage `json:"nbf"`
	Exp     json.RawMessage `json:"exp"`
}

// dateChange is an IntDate field of a request: absent (keep what is
// stored), null (clear it) or seconds since 1970 (set it).
type dateChange struct {
	set bool
	val *int64
}

func parseDate(raw json.RawMessage) (dateChange, error) {
	switch string(raw) {
	case "":
		return dateChange{}, nil
	case "null":
		return dateChange{set: true}, nil
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || f < minDate || f > maxDate {
		return dateChange{}, fmt.Errorf("want seconds since 1970-01-01T00:00:00Z of a date in the years 1-9999, got %s", raw)
	}
	n := int64(f)
	return dateChange{set: true, val: &n}, nil
}

// The dates every client can read back: Python's datetime and .NET's
// DateTime hold the years 1-9999 (and a float past int64 does not
// convert at all).
const (
	minDate = -62135596800 // 0001-01-01T00:00:00Z
	maxDate = 253402300799 // 9999-12-31T23:59:59Z
)

func (d dateChange) apply(old *int64) *int64 {
	if d.set {
		return d.val
	}
	return old
}

// dates reads the nbf and exp of a request's attributes.
func (a attributesIn) dates() (nbf, exp dateChange, err error) {
	nbf, err1 := parseDate(a.NBF)
	exp, err2 := parseDate(a.Exp)
	if err := errors.Join(err1, err2); err != nil {
		return dateChange{}, dateChange{}, fmt.Errorf("invalid attributes: %w", err)
	}
	return nbf, exp, nil
}

func (v *vaultServer) setSecret(w http.ResponseWriter, r *http.Request, name string) {
	v.c.puts.Add(1)
	var body struct {
		Value       *string           `json:"value"`
		ContentType string            `json:"contentType"`
		Tags        map[string]string `json:"tags"`
		Attributes  attributesIn      `json:"attributes"`
	}
	if err := readBody(w, r, bodyLimit, &body); err != nil || body.Value == nil {
		refuseBody(w, err, "The request body must be JSON with a string 'value'.")
		return
	}
	if len(*body.Value) > 25*1024 {
		badBody(w, "Secret value exceeds the maximum size of 25 KB.")
		return
	}
	nbf, exp, err := body.Attributes.dates()
	if err != nil {
		badBody(w, err.Error())
		return
	}
	now := v.emu.now().Truncate(time.Second)
	ver := &version{id: newID(), value: *body.Value, contentType: body.ContentType, tags: body.Tags,
		enabled: body.Attributes.Enabled == nil || *body.Attributes.Enabled, nbf: nbf.val, exp: exp.val, created: now, updated: now}
	stored, err := v.store.set(name, ver)
	if err != nil {
		deletedConflict(w, name)
		return
	}
	b := bundle(base(r), stored, ver)
	b.Value = &ver.value
	writeJSON(w, http.StatusOK, b)
}

// updateSecret changes the attributes, content type or tags of one
// version (the latest when the URL names none); what the body leaves out
// stays as it was, and the value never changes.
func (v *vaultServer) updateSecret(w http.ResponseWriter, r *http.Request, name string) {
	var body struct {
		ContentType *string            `json:"contentType"`
		Tags        *map[string]string `json:"tags"`
		Attributes  attributesIn       `json:"attributes"`
	}
	if err := readBody(w, r, bodyLimit, &body); err != nil {
		refuseBody(w, err, "The request body must be a JSON object of contentType, attributes and tags.")
		return
	}
	nbf, exp, err := body.Attributes.dates()
	if err != nil {
		badBody(w, err.Error())
		return
	}
	now := v.emu.now().Truncate(time.Second)
	id := r.PathValue("version")
	stored, ver, err := v.store.update(name, id, func(ver version) version {
		if body.Attributes.Enabled != nil {
			ver.enabled = *body.Attributes.Enabled
		}
		if body.ContentType != nil {
			ver.contentType = *body.ContentType
		}
		if body.Tags != nil {
			ver.tags = *body.Tags
		}
		ver.nbf, ver.exp, ver.updated = nbf.apply(ver.nbf), exp.apply(ver.exp), now
		return ver
	})
	switch {
	case err != nil && id != "":
		notFound(w, name+"/"+id)
	case err != nil:
		notFound(w, name)
	default:
		writeJSON(w, http.StatusOK, bundle(base(r), stored, ver))
	}
}

// deleteSecret soft-deletes every version and answers the deleted-secret
// bundle (recoveryId, deletedDate, scheduledPurgeDate).
func (v *vaultServer) deleteSecret(w http.ResponseWriter, r *http.Request, name string) {
	d, err := v.store.remove(name, v.emu.now().Truncate(time.Second))
	if err != nil {
		notFound(w, name)
		return
	}
	writeJSON(w, http.StatusOK, deletedBundle(base(r), d))
}

func (v *vaultServer) getDeleted(w http.ResponseWriter, r *http.Request, name string) {
	d, err := v.store.deleted(name)
	if err != nil {
		deletedNotFound(w, name)
		return
	}
	writeJSON(w, http.StatusOK, deletedBundle(base(r), d))
}

// purgeDeleted answers 204 No Content, as the reference says.
func (v *vaultServer) purgeDeleted(w http.ResponseWriter, r *http.Request, name string) {
	if err := v.store.purge(name); err != nil {
		deletedNotFound(w, name)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (v *vaultServer) recoverDeleted(w http.ResponseWriter, r *http.Request, name string) {
	stored, ver, err := v.store.recover(name)
	if err != nil {
		deletedNotFound(w, name)
		return
	}
	writeJSON(w, http.StatusOK, bundle(base(r), stored, ver))
}

func (v *vaultServer) backupSecret(w http.ResponseWriter, r *http.Request, name string) {
	sec, err := v.store.snapshot(name)
	if err != nil {
		notFound(w, name)
		return
	}
	blob, err := v.emu.backups.seal(sec)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalError", "", "backup: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"value": base64.RawURLEncoding.EncodeToString(blob)})
}

// restoreSecret takes a blob of this emulator's backupSecret (from any of
// its vaults, as the service restores within a subscription) and answers
// the latest version's bundle without its value.
func (v *vaultServer) restoreSecret(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Value string `json:"value"`
	}
	if err := readBody(w, r, restoreLimit, &body); err != nil || body.Value == "" {
		refuseBody(w, err, "The request body must be JSON with the backup blob in 'value'.")
		return
	}
	raw, err := base64.RawURLEncoding.DecodeString(trimPadding(body.Value))
	if err != nil {
		badBody(w, "The backup blob is not base64url.")
		return
	}
	sec, err := v.emu.backups.open(raw)
	if err != nil {
		badBody(w, "Backup blob could not be decrypted: it was not made by this emulator run.")
		return
	}
	ver, err := v.store.restore(sec)
	switch {
	case errors.Is(err, errDeletedExists):
		deletedConflict(w, sec.name)
	case err != nil:
		writeError(w, http.StatusConflict, "Conflict", "",
			fmt.Sprintf("There was a conflict restoring the secret %s: a secret with this name already exists in this vault.", sec.name))
	default:
		writeJSON(w, http.StatusOK, bundle(base(r), sec.name, ver))
	}
}

func trimPadding(s string) string {
	for len(s) > 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
	}
	return s
}

// pageToken is what $skiptoken carries, base64url JSON like the
// service's own: where the next page starts, and whether this request is
// the empty page the emulator puts after the first one (the service
// sends empty pages with a nextLink too; clients must follow them).
type pageToken struct {
	Marker string `json:"NextMarker,omitempty"`
	Offset int    `json:"Offset,omitempty"`
	Empty  bool   `json:"Empty,omitempty"`
}

func (t pageToken) encode() string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func parsePage(r *http.Request) (size int, tok pageToken, err error) {
	q := r.URL.Query()
	size = pageSize
	if m, err := strconv.Atoi(q.Get("maxresults")); err == nil && m > 0 && m <= pageSize {
		size = m
	}
	if s := q.Get("$skiptoken"); s != "" {
		raw, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || json.Unmarshal(raw, &tok) != nil {
			return 0, pageToken{}, fmt.Errorf("invalid $skiptoken")
		}
	}
	return size, tok, nil
}

// writePage writes a list page; next (nil on the last page) continues it.
func writePage(w http.ResponseWriter, r *http.Request, path string, size int, items []secretBundle, next *pageToken) {
	var nextLink any // JSON null on the last page
	if next != nil {
		nextLink = fmt.Sprintf("%s%s?api-version=%s&$skiptoken=%s&maxresults=%d",
			base(r), path, url.QueryEscape(r.URL.Query().Get("api-version")), next.encode(), size)
	}
	if items == nil {
		items = []secretBundle{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": items, "nextLink": nextLink})
}

// listPaged serves a listing whose pages start after a marker: a page
// costs a binary search and its own items, whatever the vault's size. The
// first page is followed by an empty one that still carries a nextLink.
func (v *vaultServer) listPaged(w http.ResponseWriter, r *http.Request, path string,
	page func(marker string, n int) ([]listed, bool), item func(listed) secretBundle) {
	v.c.lists.Add(1)
	size, tok, err := parsePage(r)
	if err != nil {
		badBody(w, err.Error())
		return
	}
	if tok.Empty {
		writePage(w, r, path, size, nil, &pageToken{Marker: tok.Marker})
		return
	}
	got, more := page(tok.Marker, size)
	items := make([]secretBundle, len(got))
	for i, it := range got {
		items[i] = item(it)
	}
	var next *pageToken
	if more {
		next = &pageToken{Marker: key(got[len(got)-1].name), Empty: tok.Marker == ""}
	}
	writePage(w, r, path, size, items, next)
}

func (v *vaultServer) listSecrets(w http.ResponseWriter, r *http.Request) {
	vaultURL := base(r)
	v.listPaged(w, r, "/secrets", v.store.page, func(it listed) secretBundle {
		b := bundle(vaultURL, it.name, it.ver)
		b.ID = vaultURL + "/secrets/" + it.name
		return b
	})
}

func (v *vaultServer) listDeleted(w http.ResponseWriter, r *http.Request) {
	vaultURL := base(r)
	v.listPaged(w, r, "/deletedsecrets", v.store.deletedPage, func(it listed) secretBundle {
		b := deletedBundle(vaultURL, it.gone)
		b.ID = vaultURL + "/secrets/" + it.name
		return b
	})
}

// listVersions pages through one secret's versions by offset; a secret
// that does not exist has none.
func (v *vaultServer) listVersions(w http.ResponseWriter, r *http.Request, name string) {
	v.c.lists.Add(1)
	size, tok, err := parsePage(r)
	if err != nil {
		badBody(w, err.Error())
		return
	}
	path := "/secrets/" + name + "/versions"
	if tok.Empty {
		writePage(w, r, path, size, nil, &pageToken{Offset: tok.Offset})
		return
	}
	got, more, _ := v.store.versionsPage(name, tok.Offset, size)
	items := make([]secretBundle, len(got))
	for i, it := range got {
		items[i] = bundle(base(r), it.name, it.ver)
	}
	var next *pageToken
	if more {
		next = &pageToken{Offset: tok.Offset + len(got), Empty: tok.Offset == 0}
	}
	writePage(w, r, path, size, items, next)
}
