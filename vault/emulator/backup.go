package emulator

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"time"

	"github.com/akv-cli/akv/vault/names"
)

// backupMagic starts every blob, as the service's start with
// "AzureKeyVaultSecretBackupV1.microsoft.com".
const backupMagic = "AkvEmulatorSecretBackupV1"

// backups seals secrets into opaque blobs that only this emulator process
// opens: AES-GCM under a key that never leaves memory. Like the
// service's, a blob restores into any vault of the same emulator (the
// service restores within one subscription and geography) and nowhere
// else, and its values cannot be read out of it.
type backups struct{ aead cipher.AEAD }

func newBackups() (backups, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return backups{}, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return backups{}, err
	}
	aead, err := cipher.NewGCM(block)
	return backups{aead: aead}, err
}

// backupVersion is one version inside a blob.
type backupVersion struct {
	ID          string            `json:"id"`
	Value       string            `json:"value"`
	ContentType string            `json:"contentType,omitempty"`
	Tags        map[string]string `json:"tags,omitempty"`
	Enabled     bool              `json:"enabled"`
	NBF         *int64            `json:"nbf,omitempty"`
	Exp         *int64            `json:"exp,omitempty"`
	Created     int64             `json:"created"`
	Updated     int64             `json:"updated"`
}

type backupSecret struct {
	Name     string          `json:"name"`
	Versions []backupVersion `json:"versions"`
}

func (b backups) seal(s secret) ([]byte, error) {
	plain := backupSecret{Name: s.name}
	for _, v := range s.versions {
		plain.Versions = append(plain.Versions, backupVersion{ID: v.id, Value: v.value, ContentType: v.contentType, Tags: v.tags,
			Enabled: v.enabled, NBF: v.nbf, Exp: v.exp, Created: v.created.Unix(), Updated: v.updated.Unix()})
	}
	msg, err := json.Marshal(plain)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append([]byte(backupMagic), nonce...)
	return b.aead.Seal(out, nonce, msg, []byte(backupMagic)), nil
}

var errBadBlob = errors.New("not a backup of this emulator")

func (b backups) open(blob []byte) (secret, error) {
	rest, ok := bytes.CutPrefix(blob, []byte(backupMagic))
	if !ok || len(rest) < b.aead.NonceSize() {
		return secret{}, errBadBlob
	}
	nonce, sealed := rest[:b.aead.NonceSize()], rest[b.aead.NonceSize():]
	msg, err := b.aead.Open(nil, nonce, sealed, []byte(backupMagic))
	if err != nil {
		return secret{}, errBadBlob
	}
	var plain backupSecret
	if err := json.Unmarshal(msg, &plain); err != nil || !names.Secret(plain.Name) || len(plain.Versions) == 0 {
		return secret{}, errBadBlob
	}
	s := secret{name: plain.Name}
	for _, v := range plain.Versions {
		s.versions = append(s.versions, &version{id: v.ID, value: v.Value, contentType: v.ContentType, tags: v.Tags,
			enabled: v.Enabled, nbf: v.NBF, exp: v.Exp, created: time.Unix(v.Created, 0), updated: time.Unix(v.Updated, 0)})
	}
	return s, nil
}
