package securitytest

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/store"
)

// TestPublicLinksStayOnTheCloudsOrigin: a share URL from the cloud must be on the issuer's own origin, or on one
// the admin lists for it (the public_link_origin endpoint, for a cloud behind a proxy with a public host name);
// a link to anywhere else is an invalid response, and nothing reaches the host.
func TestPublicLinksStayOnTheCloudsOrigin(t *testing.T) {
	t.Parallel()
	share := func(u string) string {
		return `{"ocs":{"meta":{"status":"ok","statuscode":100,"message":"OK"},"data":{"id":"7","share_type":3,` +
			`"permissions":1,"url":` + jsString(u) + `,"token":"abc","path":"/report.pdf","item_type":"file"}}}`
	}
	for _, c := range []struct {
		url, listed string
		ok          bool
	}{
		{"https://evil.example/s/abc", "", false},
		{"https://cloud.example.org.evil.example/s/abc", "https://cloud.example.org/", false},
		{"http://files.example.org/s/abc", "https://files.example.org/", false}, // scheme is part of the origin
		{"https://files.example.org/s/abc", "https://files.example.org/", true},
		{"https://FILES.example.org/index.php/s/abc", "https://files.example.org", true},
	} {
		t.Run(c.url, func(t *testing.T) {
			t.Parallel()
			s := newSite(t, siteOptions{})
			if c.listed != "" {
				iss, err := s.h.Store.GetIssuer(context.Background(), s.iss.ID)
				if err != nil {
					t.Fatal(err)
				}
				iss.Endpoints = append(iss.Endpoints, store.Endpoint{Name: "public_link_origin", URL: c.listed})
				if _, err := s.h.Store.UpdateIssuer(context.Background(), iss); err != nil {
					t.Fatal(err)
				}
			}
			s.h.Cloud.Fail(cloudtest.EPOCS, cloudtest.Fault{Method: http.MethodPost, Status: 200, ContentType: "application/json", Body: share(c.url)})
			r := s.token(s.pickRequest(student))
			status, page, hdr := s.post(student, path("picker", "pick"), s.pickerForm(r, "as", "link", "path", "/report.pdf"), "HX-Request", "true")
			switch {
			case c.ok && (status != http.StatusOK || hdr.Get("HX-Trigger") == ""):
				t.Errorf("listed origin: %d %q, want the link", status, alert(t, page))
			case !c.ok && (status != http.StatusBadGateway || alert(t, page) != "invalid_response" || hdr.Get("HX-Trigger") != ""):
				t.Errorf("%d %q, trigger %q; want 502 invalid_response and no result", status, alert(t, page), hdr.Get("HX-Trigger"))
			case !c.ok && strings.Contains(page, c.url):
				t.Errorf("the page shows %q", c.url)
			}
		})
	}
	// The cloud's own links pass (the fake cloud's url is on its base URL).
	s := newSite(t, siteOptions{})
	r := s.token(s.pickRequest(student))
	if status, page, _ := s.post(student, path("picker", "pick"), s.pickerForm(r, "as", "link", "path", "/report.pdf"), "HX-Request", "true"); status != http.StatusOK {
		t.Errorf("the cloud's own link: %d %q", status, alert(t, page))
	}
}
