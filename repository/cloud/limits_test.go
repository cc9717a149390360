package cloud

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

// A hostile or broken server must not make a listing read without end or fill the host's memory: the body, the
// nesting and the namespace declarations of a multistatus are capped, and going past a cap is an invalid response.

// endlessListing answers PROPFIND with a multistatus that never ends: valid responses, one after another, until
// the client hangs up.
func endlessListing(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	if _, err := w.Write([]byte(`<?xml version="1.0"?><d:multistatus xmlns:d="DAV:">`)); err != nil {
		return
	}
	entry := []byte(`<d:response><d:href>/remote.php/dav/files/alice/x.txt</d:href><d:propstat><d:prop>` +
		`<d:getcontentlength>1</d:getcontentlength></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`)
	for r.Context().Err() == nil {
		if _, err := w.Write(entry); err != nil {
			return
		}
	}
}

func TestListingBodyIsCapped(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "/", http.HandlerFunc(endlessListing))
	c := ts.client(t)
	c.listingLimit = 256 << 10
	_, _, err := c.As("alice", staticToken("tok-alice")).ReadDir(context.Background(), "/")
	var ie *InvalidResponseError
	if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidResponse) {
		t.Fatalf("endless listing: %v, want an invalid response", err)
	}
	if !strings.Contains(ie.Reason, "larger than 262144 bytes") {
		t.Errorf("reason %q does not name the cap", ie.Reason)
	}
}

func TestListingAtTheCapIsRead(t *testing.T) {
	t.Parallel()
	doc := nextcloudListing(testRoot, "/", bigListing(50))
	ts := newTestServer(t, "/", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.WriteHeader(http.StatusMultiStatus)
		_, _ = w.Write(doc)
	}))
	for _, tt := range []struct {
		limit int64
		ok    bool
	}{{int64(len(doc)), true}, {int64(len(bytes.TrimRight(doc, "\n"))) - 1, false}} {
		c := ts.client(t)
		c.listingLimit = tt.limit
		_, children, err := c.As("alice", staticToken("tok-alice")).ReadDir(context.Background(), "/")
		switch {
		case tt.ok && (err != nil || len(children) != 50):
			t.Errorf("limit %d (the body's size): %d entries, %v", tt.limit, len(children), err)
		case !tt.ok && !errors.Is(err, ErrInvalidResponse):
			t.Errorf("limit %d (one byte short of the closing tag): %v, want an invalid response", tt.limit, err)
		}
	}
}

func TestListingNestingIsCapped(t *testing.T) {
	t.Parallel()
	deep := `<d:multistatus xmlns:d="DAV:"><d:response><d:href>/remote.php/dav/files/alice/</d:href>` +
		strings.Repeat("<x>", 300) + strings.Repeat("</x>", 300) + `</d:response></d:multistatus>`
	var decls strings.Builder
	decls.WriteString(`<d:multistatus xmlns:d="DAV:"`)
	for i := range 1100 {
		decls.WriteString(` xmlns:p` + strings.Repeat("q", i%7) + `x` + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + `="urn:x"`)
	}
	decls.WriteString(`></d:multistatus>`)
	for _, tt := range []struct {
		name, doc, reason string
	}{
		{"300 levels", deep, "nested too deeply"},
		{"1,100 namespace declarations", decls.String(), "too many namespace declarations"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestServer(t, "/", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/xml; charset=utf-8")
				w.WriteHeader(http.StatusMultiStatus)
				_, _ = w.Write([]byte(tt.doc))
			}))
			_, _, err := ts.client(t).As("alice", staticToken("tok-alice")).ReadDir(context.Background(), "/")
			var ie *InvalidResponseError
			if !errors.As(err, &ie) || !strings.Contains(ie.Reason, tt.reason) {
				t.Fatalf("got %v, want an invalid response saying %q", err, tt.reason)
			}
		})
	}
}

// TestEchoedSecretsAreRedacted: a proxy error page that repeats the request must not carry the bearer token, a
// refresh token or the client secret into the error (which reaches logs and admin pages).
func TestEchoedSecretsAreRedacted(t *testing.T) {
	t.Parallel()
	const bearer = "tok-alice"
	const refresh = "refresh-token-value-1234567890"
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("proxy error for " + r.Header.Get("Authorization") + " body " + r.PostForm.Encode()))
	})
	ts := newTestServer(t, "/", echo)
	c := ts.client(t)
	_, _, err := c.As("alice", staticToken(bearer)).ReadDir(context.Background(), "/")
	if err == nil || strings.Contains(err.Error(), bearer) {
		t.Errorf("listing error shows the bearer token: %v", err)
	}
	_, err = c.Refresh(context.Background(), refresh)
	if err == nil {
		t.Fatal("refresh against an error page succeeded")
	}
	for _, secret := range []string{refresh, "s3cret-client", "czNjcmV0LWNsaWVudA"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("refresh error shows %q: %v", secret, err)
		}
	}
	if !strings.Contains(err.Error(), redactedMark) {
		t.Errorf("refresh error %v does not say what was redacted", err)
	}
}

// TestListingAnnouncedOverTheCapIsRefusedUnread: a Content-Length over the cap is refused before any byte of the
// body is read (the server here sends a few and then nothing), so the parser never sizes its entries from it.
func TestListingAnnouncedOverTheCapIsRefusedUnread(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, "/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		w.Header().Set("Content-Length", "10000000000")
		w.WriteHeader(http.StatusMultiStatus)
		_, _ = w.Write([]byte(`<?xml version="1.0"?><d:multistatus xmlns:d="DAV:">`))
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		<-r.Context().Done()
	}))
	c := ts.client(t)
	c.listingLimit = 256 << 10
	_, _, err := c.As("alice", staticToken("tok-alice")).ReadDir(context.Background(), "/")
	var ie *InvalidResponseError
	if !errors.As(err, &ie) || !strings.Contains(ie.Reason, "larger than 262144 bytes") {
		t.Fatalf("a listing announced at 10 GB: %v, want an invalid response naming the cap", err)
	}
}
