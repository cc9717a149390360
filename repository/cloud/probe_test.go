package cloud_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// TestProbeObservations: each probe sends one request of the right shape, follows no redirect (its target comes
// back resolved, query kept), keeps the answer's type and start, and types what status.php and a token endpoint
// said.
func TestProbeObservations(t *testing.T) {
	t.Parallel()
	var seen []string
	mux := http.NewServeMux()
	mux.HandleFunc("/nc/status.php", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write([]byte(`{"installed":true,"maintenance":false,"version":"34.0.1.2","versionstring":"34.0.1","productname":"Nextcloud"}`))
	})
	mux.HandleFunc("/nc/authorize", func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.Query().Get("client_id")+" "+r.URL.Query().Get("redirect_uri")+" "+strings.Repeat("s", min(1, len(r.URL.Query().Get("state")))))
		w.Header().Set("Location", "login/flow?clientIdentifier=abc")
		w.WriteHeader(http.StatusSeeOther)
	})
	mux.HandleFunc("/nc/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		user, _, basic := r.BasicAuth()
		seen = append(seen, r.Method+" basic="+user+" body="+r.PostForm.Get("client_id")+" grant="+r.PostForm.Get("grant_type"))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		if basic {
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"no"}`))
	})
	mux.HandleFunc("/nc/dav/", func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" "+r.URL.Path+" depth="+r.Header.Get("Depth"))
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusUnauthorized)
	})
	mux.HandleFunc("/nc/ocs", func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Method+" ocs="+r.Header.Get("OCS-APIRequest"))
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(strings.Repeat("x", cloud.ProbeBodyLimit+100)))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	ctx := t.Context()
	p := cloud.NewProber(srv.Client(), 10*time.Second)
	base := srv.URL + "/nc/"

	st := p.ProbeStatus(ctx, base)
	if st.Err != nil || !st.Parsed || !st.Installed || st.Maintenance || st.Product != "Nextcloud" || st.Version != "34.0.1" || !st.JSON() {
		t.Errorf("status %+v", st)
	}

	az := p.ProbeAuthorize(ctx, base+"authorize?format=x", "ocrepo", "https://lms.example.org/cb")
	if az.Status != http.StatusSeeOther || az.Location == nil || az.Location.String() != base+"login/flow?clientIdentifier=abc" {
		t.Errorf("authorize %+v (location %v)", az, az.Location)
	}
	if az.URL != base+"authorize" {
		t.Errorf("authorize URL shown %q, want it without the query", az.URL)
	}

	tk := p.ProbeToken(ctx, base+"token", "ocrepo", "secret", true)
	if !tk.OAuth || tk.Error != "invalid_grant" || tk.Status != http.StatusBadRequest {
		t.Errorf("token by Basic %+v", tk)
	}
	tk = p.ProbeToken(ctx, base+"token", "ocrepo", "secret", false)
	if !tk.OAuth || tk.Error != "invalid_client" || tk.Description != "no" {
		t.Errorf("token in the body %+v", tk)
	}

	dav := p.ProbeAnonymous(ctx, cloud.EndpointWebDAV, base+"dav/files/{userid}/")
	if dav.Status != http.StatusUnauthorized || !dav.XML() || dav.URL != base+"dav/files/{userid}/" {
		t.Errorf("webdav %+v", dav)
	}
	ocs := p.ProbeAnonymous(ctx, cloud.EndpointOCS, base+"ocs")
	if ocs.Status != http.StatusOK || !ocs.HTML() || len(ocs.Body) != cloud.ProbeBodyLimit {
		t.Errorf("ocs: status %d, html %v, %d bytes kept", ocs.Status, ocs.HTML(), len(ocs.Body))
	}

	want := []string{
		"GET ocrepo https://lms.example.org/cb s",
		"POST basic=ocrepo body= grant=refresh_token",
		"POST basic= body=ocrepo grant=refresh_token",
		"PROPFIND /nc/dav/files/ocrepo-connection-check/ depth=0",
		"GET ocs=true",
	}
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}

// TestProbeWithoutAnswer: no answer gives Err without the URL's query, still matchable by type; a URL that makes
// no request gives ErrProbeURL.
func TestProbeWithoutAnswer(t *testing.T) {
	t.Parallel()
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	t.Cleanup(func() { close(block); srv.Close() })
	p := cloud.NewProber(srv.Client(), 50*time.Millisecond)
	o := p.ProbeAuthorize(t.Context(), srv.URL+"/authorize?secret-looking=1", "client-id-in-query", "https://lms.example.org/cb")
	if o.Err == nil || o.Status != 0 {
		t.Fatalf("observation %+v", o)
	}
	var ue *url.Error
	if errors.As(o.Err, &ue) || strings.Contains(o.Err.Error(), "client-id-in-query") {
		t.Errorf("Err keeps the URL with its query: %v", o.Err)
	}
	var ne interface{ Timeout() bool }
	if !errors.Is(o.Err, context.DeadlineExceeded) && !(errors.As(o.Err, &ne) && ne.Timeout()) {
		t.Errorf("Err %v (%T) is not a timeout", o.Err, o.Err)
	}
	if o := p.ProbeToken(t.Context(), "http://bad host/token", "a", "b", true); !errors.Is(o.Err, cloud.ErrProbeURL) {
		t.Errorf("token probe of a bad URL: %v", o.Err)
	}
}
