package repository_test

import (
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// Full pages link back to the host when it says where home is; the picker, which lives in a popup, does not.
func TestHomeLinkOnFullPagesOnly(t *testing.T) {
	t.Parallel()
	h := repositorytest.New(t, repositorytest.Options{Config: func(c *repository.Config) {
		c.HomeURL, c.HomeName = "/", "Test LMS"
	}})
	iss := h.AddIssuer(t, "Cloud")
	h.AddInstance(t, iss.ID, "Files", host.ReturnImport, host.ReturnImport)
	_, admin, _ := h.Client("admin").Get(t, repositorytest.Mount+"/admin/issuers")
	if !strings.Contains(admin, `data-testid="home"`) || !strings.Contains(admin, "Back to Test LMS") {
		t.Errorf("the admin page has no link home")
	}
	_, picker, _ := h.Client("student").Get(t, strings.TrimPrefix(h.PickerURL(host.PickRequest{}), h.URL))
	if strings.Contains(picker, `data-testid="home"`) {
		t.Errorf("the picker links home")
	}
}

func TestHomeURLStaysOnTheHostsOrigin(t *testing.T) {
	t.Parallel()
	_, err := repository.New(repository.Config{SecretKey: make([]byte, 32), PublicURL: "https://lms.example/cloud",
		Users: host.UsersFunc(nil), Admins: host.AdminsFunc(nil), Files: host.FileSinkFunc(nil), Store: nil,
		DB: nil, HomeURL: "https://evil.example/"})
	if err == nil || !strings.Contains(err.Error(), "HomeURL") {
		t.Fatalf("New accepted an off-site HomeURL: %v", err)
	}
}
