package securitytest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// pointIssuerAt moves the site's issuer (preset endpoints) to base, straight in the store.
func pointIssuerAt(t *testing.T, s *site, base string) {
	t.Helper()
	iss, err := s.h.Store.GetIssuer(context.Background(), s.iss.ID)
	if err != nil {
		t.Fatal(err)
	}
	eps, err := cloud.PresetEndpoints(cloud.Nextcloud, base)
	if err != nil {
		t.Fatal(err)
	}
	iss.BaseURL, iss.Endpoints = base, nil
	for _, n := range cloud.EndpointNames() {
		iss.Endpoints = append(iss.Endpoints, store.Endpoint{Name: n, URL: eps[n]})
	}
	if _, err := s.h.Store.UpdateIssuer(context.Background(), iss); err != nil {
		t.Fatal(err)
	}
}

// TestNetworkGuardSpecialPurposeBlocks adds to TestNetworkGuardThroughThePages the blocks of the IANA
// special-purpose registries and the IPv6 forms that carry an IPv4 address: each is refused by the guard (the
// check says "blocked", the student's listing too) on a host without AllowLoopback.
func TestNetworkGuardSpecialPurposeBlocks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ base, what string }{
		{"http://[::127.0.0.1]:8080/", "loopback"},                           // IPv4-compatible
		{"http://[::ffff:127.0.0.1]:8080/", "loopback"},                      // IPv4-mapped
		{"http://[::169.254.169.254]/", "cloud metadata"},                    // IPv4-compatible
		{"http://[64:ff9b::10.1.2.3]/", "private network"},                   // NAT64 well-known prefix
		{"http://[64:ff9b:1::a9fe:a9fe]/", "private network"},                // NAT64 local use
		{"http://[2002:a9fe:a9fe::1]/", "cloud metadata"},                    // 6to4 of the metadata address
		{"http://[2002:7f00:1::1]:8080/", "loopback"},                        // 6to4 of 127.0.0.1
		{"http://[2001:0:4136:e378:8000:63bf:5601:5601]/", "cloud metadata"}, // Teredo client 169.254.169.254
		{"http://[fec0::1]/", "private network"},                             // site-local
		{"http://198.18.0.1/", "reserved"},                                   // benchmarking
		{"http://240.0.0.1/", "reserved"},                                    // future use
		{"http://[2001:db8::1]/", "reserved"},                                // documentation
		{"http://192.0.2.10/", "reserved"},                                   // TEST-NET-1
		{"http://255.255.255.255/", "unroutable"},                            // broadcast
	} {
		t.Run(c.base, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, siteOptions{opts: repositorytest.Options{Config: func(cfg *repository.Config) {
				cfg.Timeout, cfg.AllowLoopback = badTimeout, false
			}}})
			pointIssuerAt(t, s, c.base)
			what := c.what
			if what != "loopback" && what != "unroutable" {
				what = "private"
			} else {
				what = "loopback" // assertBlocked expects no hint about the private-network setting
			}
			assertBlocked(t, s, what)
		})
	}
}

// TestNetworkGuardIgnoresEnvironmentProxies: with HTTP_PROXY set, ocrepo still dials the cloud itself, so the
// guard refuses a private address instead of handing the request to the proxy (which the guard would have
// checked in its place). Run in a child process, since the standard library reads the proxy variables once.
func TestNetworkGuardIgnoresEnvironmentProxies(t *testing.T) {
	if os.Getenv("OCREPO_PROXY_CHILD") == "1" {
		proxyChild(t)
		return
	}
	t.Parallel()
	var proxied atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	t.Cleanup(proxy.Close)
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestNetworkGuardIgnoresEnvironmentProxies$", "-test.count=1")
	cmd.Env = append(os.Environ(), "OCREPO_PROXY_CHILD=1", "HTTP_PROXY="+proxy.URL, "HTTPS_PROXY="+proxy.URL, "NO_PROXY=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "PASS") {
		t.Errorf("the child did not run the check:\n%s", out)
	}
	if n := proxied.Load(); n != 0 {
		t.Errorf("the proxy from the environment received %d request(s)", n)
	}
}

func proxyChild(t *testing.T) {
	if os.Getenv("HTTP_PROXY") == "" {
		t.Fatal("no proxy in the child's environment")
	}
	s := newSite(t, siteOptions{opts: repositorytest.Options{Config: func(cfg *repository.Config) { cfg.Timeout = badTimeout }}})
	pointIssuerAt(t, s, "http://10.20.30.40/")
	assertBlocked(t, s, "private address behind an environment proxy")
}
