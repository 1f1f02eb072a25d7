package emulator

import (
	"sync"
	"testing"
	"time"
)

// TestDeletedSecretIsASnapshot: the deleted secret a delete answers with
// is read after the store's lock is released, so recovering and updating
// the secret meanwhile must not change it. The two used to share one
// versions array: the DELETE answer could show the later update, and
// under -race a concurrent delete, recover and update was a data race.
func TestDeletedSecretIsASnapshot(t *testing.T) {
	s := newStore(map[string]Seed{"a": {Value: "x", ContentType: "before"}}, time.Now())
	d, err := s.remove("a", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.recover("a"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.update("a", "", func(v version) version { v.contentType = "after"; return v }); err != nil {
		t.Fatal(err)
	}
	if got := d.latest().contentType; got != "before" {
		t.Errorf("the deleted secret changed after it was answered: content type %q, want %q", got, "before")
	}

	// The same through a recovered secret: a later delete's snapshot is
	// not the live secret's array either.
	d2, err := s.remove("a", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s.recover("a")
	s.set("a", &version{id: newID(), value: "y", enabled: true})
	if n := len(d2.versions); n != 1 || d2.latest().contentType != "after" {
		t.Errorf("second deletion's snapshot: %d versions, latest %q", n, d2.latest().contentType)
	}

	// Handlers read what the store returned without its lock (deleteSecret,
	// getDeleted); -race holds this to it.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; i < 2000; i++ {
			if d, err := s.remove("a", time.Now()); err == nil {
				_ = d.latest().contentType
			}
			if d, err := s.deleted("a"); err == nil {
				_ = d.latest().contentType
			}
		}
		close(stop)
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			s.recover("a")
			s.update("a", "", func(v version) version { v.contentType = "t"; return v })
		}
	}()
	wg.Wait()
}
