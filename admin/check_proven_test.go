package admin_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// TestCheckNeverSaysWorksUnproven: without a system account the check cannot prove the client secret, so it
// never says "works", even with a wrong secret at the cloud; it says what it proved and what it could not. With
// the system account connected the refresh proves the secret: "works". A wrong secret then fails the check, and
// the instance form calls the server unsuitable until a check passes again.
func TestCheckNeverSaysWorksUnproven(t *testing.T) {
	t.Parallel()
	s := newSite(t, repositorytest.Options{})
	iss := s.h.AddIssuer(t, "Campus cloud")
	option := func() (string, string) {
		p := s.get("admin", mount+"/admin/instances/new")
		o := p.find(fmt.Sprintf("issuer-option-%d", iss.ID))
		v, _ := o.Attr("data-suitable")
		return v, strings.Join(strings.Fields(o.Text()), " ")
	}
	if v, note := option(); v != "true" || !strings.Contains(note, "not checked yet") {
		t.Errorf("never checked: suitable %s, %q", v, note)
	}

	for _, secret := range []string{"", "regenerated-at-the-cloud"} {
		if secret != "" {
			s.h.Cloud.SetClientSecret(secret)
		}
		p := s.checkPage(iss.ID)
		title := p.text("check-title")
		if strings.Contains(title, "works") || !strings.Contains(title, "client secret not proven") {
			t.Errorf("secret %q, no system account: title %q", secret, title)
		}
		if v, _ := p.find("check-summary").Attr("data-proven"); v != "false" {
			t.Errorf("data-proven %q", v)
		}
		if !strings.Contains(p.text("check-proved"), "endpoints answer") || !strings.Contains(p.text("check-unproved"), "Connect the system account") {
			t.Errorf("proved %q, unproved %q", p.text("check-proved"), p.text("check-unproved"))
		}
		if a, _ := p.find("check-summary").Attr("data-announce"); strings.Contains(a, "works") {
			t.Errorf("announcement %q", a)
		}
		if v, note := option(); v != "true" || !strings.Contains(note, "could not prove the client secret") {
			t.Errorf("after an unproven check: suitable %s, %q", v, note)
		}
	}

	// The system account proves the secret, and a wrong one fails the check.
	s.h.Cloud.SetClientSecret(repositorytest.ClientSecret)
	s.h.ConnectSystem(t, iss.ID)
	p := s.checkPage(iss.ID)
	if title := p.text("check-title"); !strings.HasPrefix(title, "Connection works") || p.has("check-unproved") {
		t.Errorf("proven check: %q, unproved %q\n%s", title, p.text("check-unproved"), p.find("check-summary").Text())
	}
	if v, _ := p.find("check-summary").Attr("data-proven"); v != "true" {
		t.Errorf("data-proven %q", v)
	}
	if v, note := option(); v != "true" || note != "Campus cloud: suitable" {
		t.Errorf("after a proven check: suitable %s, %q", v, note)
	}

	s.h.Cloud.SetClientSecret("regenerated-at-the-cloud")
	p = s.checkPage(iss.ID)
	if title := p.text("check-title"); !strings.HasPrefix(title, "Problems found") {
		t.Errorf("wrong secret with a system account: %q", title)
	}
	if v, note := option(); v != "false" || !strings.Contains(note, "found 1 failure") {
		t.Errorf("after a failed check: suitable %s, %q", v, note)
	}
	// The instance list says it too once an instance uses the server.
	s.h.AddInstance(t, iss.ID, "Files", host.ReturnImport, host.ReturnImport)
	if l := s.get("admin", mount+"/admin/instances"); !strings.Contains(l.body, "found 1 failure") {
		t.Errorf("instance list does not say the check failed")
	}
}
