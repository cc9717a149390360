package cloud_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

func TestIdentifyFlavor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		product, version string
		want             cloud.FlavorID
		ok               bool
	}{
		{"Nextcloud", "34.0.1.2", cloud.Nextcloud, true},
		{"nextcloud", "29.0.0", cloud.Nextcloud, true},
		{"Nextcloud", "28.0.9", cloud.NextcloudLegacy, true},
		{"Nextcloud", "22.2.10.2", cloud.NextcloudLegacy, true},
		{"ownCloud", "10.15.0.2", cloud.OwnCloud, true},
		{"ownCloud", "9.1.8", cloud.OwnCloud, true}, // out of every range: the product's first entry
		{"Seafile", "11.0", "", false},
		{"", "", "", false},
	} {
		f, ok := cloud.IdentifyFlavor(tc.product, tc.version)
		if ok != tc.ok || f.ID != tc.want {
			t.Errorf("IdentifyFlavor(%q, %q) = %q, %v; want %q, %v", tc.product, tc.version, f.ID, ok, tc.want, tc.ok)
		}
	}
}

func TestFlavorTable(t *testing.T) {
	t.Parallel()
	seen := map[cloud.FlavorID]bool{}
	for _, f := range cloud.Flavors() {
		if seen[f.ID] || f.ID == "" || f.Label == "" || f.ProductName == "" || f.Version == "" {
			t.Errorf("entry %+v: duplicate or incomplete", f)
		}
		seen[f.ID] = true
		for _, name := range cloud.EndpointNames() {
			if f.Paths[name] == "" || strings.HasPrefix(f.Paths[name], "/") {
				t.Errorf("%s: endpoint %s path %q", f.ID, name, f.Paths[name])
			}
		}
		eps, err := cloud.PresetEndpoints(f.ID, "https://cloud.example.org:8443/sub")
		if err != nil || eps[cloud.EndpointToken] != "https://cloud.example.org:8443/sub/"+f.Paths[cloud.EndpointToken] {
			t.Errorf("%s: PresetEndpoints = %v, %v", f.ID, eps, err)
		}
		// The table identifies its own entries.
		if got, ok := cloud.IdentifyFlavor(f.ProductName, f.Version); !ok || got.ID != f.ID {
			t.Errorf("%s: its own status identifies %q", f.ID, got.ID)
		}
	}
	if _, err := cloud.PresetEndpoints("seafile", "https://cloud.example.org/"); err == nil {
		t.Error("PresetEndpoints of an unknown flavour succeeded")
	}
	nc, _ := cloud.FlavorByID(cloud.Nextcloud)
	legacy, _ := cloud.FlavorByID(cloud.NextcloudLegacy)
	oc, _ := cloud.FlavorByID(cloud.OwnCloud)
	if !nc.SameLayout(legacy) || nc.SameLayout(oc) {
		t.Error("Nextcloud's layout should equal the legacy one and differ from ownCloud's")
	}
}

// TestTestCloudFollowsTheTable: the test cloud of every flavour says in status.php what the table identifies as
// that flavour, takes client credentials as the table says, and answers SEARCH as the table's quirk says.
func TestTestCloudFollowsTheTable(t *testing.T) {
	t.Parallel()
	for _, f := range cloud.Flavors() {
		t.Run(string(f.ID), func(t *testing.T) {
			t.Parallel()
			srv, c := fakeCloud(t, f.ID, f.ID, "/")
			st, err := c.Status(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := cloud.IdentifyFlavor(st.Product, st.Version); !ok || got.ID != f.ID {
				t.Errorf("status %+v identifies %q, want %q", st, got.ID, f.ID)
			}

			// Client credentials in the form body.
			form := "grant_type=refresh_token&refresh_token=made-up&client_id=ocrepo&client_secret=secret"
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+f.Paths[cloud.EndpointToken], strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := new(strings.Builder)
			_, _ = io.Copy(body, resp.Body)
			_ = resp.Body.Close()
			refusedClient := strings.Contains(body.String(), "invalid_client")
			if want := f.TokenAuth == cloud.TokenAuthBasic; refusedClient != want {
				t.Errorf("body credentials: %d %s; table says Basic only = %v", resp.StatusCode, body, want)
			}

			// SEARCH on the DAV root.
			req, _ = http.NewRequestWithContext(t.Context(), "SEARCH", srv.URL+"remote.php/dav/", strings.NewReader(`<?xml version="1.0"?><d:searchrequest xmlns:d="DAV:"/>`))
			req.SetBasicAuth("alice", "pw")
			req.Header.Set("Content-Type", "text/xml")
			resp, err = srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if unsupported := resp.StatusCode == http.StatusMethodNotAllowed; unsupported == f.Has(cloud.QuirkWebDAVSearch) {
				t.Errorf("SEARCH answered %d; table says supported = %v", resp.StatusCode, f.Has(cloud.QuirkWebDAVSearch))
			}
		})
	}
}
