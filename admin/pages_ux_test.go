package admin_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// TestAdminPagesSmallerPoints: page titles carry the site's name, the delete confirmation puts focus on Cancel
// (the safe button), not on the red one.
func TestAdminPagesSmallerPoints(t *testing.T) {
	t.Parallel()
	s := newSite(t, repositorytest.Options{Config: func(c *repository.Config) { c.HomeName = "Lakeside LMS" }})
	iss := s.h.AddIssuer(t, "Campus cloud")
	for _, path := range []string{"/admin/issuers", fmt.Sprintf("/admin/issuers/%d", iss.ID), "/admin/instances"} {
		p := s.get("admin", mount+path)
		if title := p.doc.Find("title").Text(); !strings.HasSuffix(title, " – Lakeside LMS") {
			t.Errorf("%s: title %q lacks the site's name", path, title)
		}
		if h1 := p.doc.Find("h1").First().Text(); strings.Contains(h1, "Lakeside") {
			t.Errorf("%s: the heading %q carries the site's name", path, h1)
		}
	}
	p := s.get("admin", fmt.Sprintf("%s/admin/issuers/%d/delete", mount, iss.ID))
	if _, ok := p.find("delete-cancel").Attr("data-focus"); !ok {
		t.Errorf("focus does not go to Cancel")
	}
	if _, ok := p.find("delete-confirm").Attr("data-focus"); ok {
		t.Errorf("focus goes to the delete button")
	}
}
