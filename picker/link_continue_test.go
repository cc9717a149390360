package picker_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// TestControlledLinkEditContinuesAfterLogin: a teacher who is not logged in to the cloud presses "Edit"; after
// the cloud login the edit share is made by itself (the intent rode in the login state), and the page no longer
// carries the action. The same action typed into the page's address does nothing.
func TestControlledLinkEditContinuesAfterLogin(t *testing.T) {
	t.Parallel()
	f := newFixture(t, repositorytest.Options{})
	f.h.ConnectSystem(t, f.iss.ID)
	f.h.Connect(t, f.iss.ID, "student")
	f.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("my essay"))
	id, status, body := f.pickControlled(t, submission, "/essay.pdf")
	if status != http.StatusOK {
		t.Fatalf("pick: %d %s", status, body)
	}
	teacher := f.h.Client("teacher")
	link := f.h.Repo.ControlledLinkURL(id)

	// Typing the action into the address makes no share.
	if st, _, _ := teacher.Get(t, link+"?continue=edit"); st != http.StatusOK || len(f.h.Cloud.Shares()) != 0 {
		t.Fatalf("a GET with continue=edit: %d, %d shares", st, len(f.h.Cloud.Shares()))
	}

	status, _, hdr := teacher.Post(t, link+"/share", url.Values{"edit": {"1"}})
	if status != http.StatusSeeOther {
		t.Fatalf("edit without a login: %d", status)
	}
	u, err := url.Parse(hdr.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	state, challenge := u.Query().Get("state"), u.Query().Get("code_challenge")
	code := f.h.Cloud.AuthorizeCode(repositorytest.CloudUser("teacher"), state, challenge)
	status, body, _ = teacher.Get(t, repositorytest.Mount+"/callback?state="+url.QueryEscape(state)+"&code="+url.QueryEscape(code))
	if status != http.StatusOK {
		t.Fatalf("callback: %d %s", status, body)
	}
	if !f.h.Cloud.Exists(repositorytest.CloudUser("teacher"), "/LMS files/essay.pdf") {
		t.Fatalf("the edit share was not made after the login")
	}
	back, _ := doc(t, body).Find(`[data-testid="back-to-picker"]`).Attr("href")
	if strings.Contains(back, "continue") || !strings.HasSuffix(back, link[strings.Index(link, "/link/"):]) {
		t.Errorf("the way back %q still carries the action or goes elsewhere", back)
	}
	_, page, _ := teacher.Get(t, back)
	if doc(t, page).Find(`[data-testid="open-cloud"]`).Length() != 1 {
		t.Errorf("the link's page does not offer the file in the cloud")
	}
}
