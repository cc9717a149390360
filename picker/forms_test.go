package picker_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// Every form that posts must carry the CSRF token itself, so it works without JavaScript (htmx adds the header,
// a plain form post does not). The pages are fetched and each form is submitted exactly as a browser without
// JavaScript would: its own fields only.
func TestEveryPostingFormCarriesItsCSRFToken(t *testing.T) {
	t.Parallel()
	f := controlledFixture(t, repositorytest.Options{})
	f.h.Cloud.WriteFile("alice", "/essay.pdf", []byte("essay"))
	req := host.PickRequest{ReturnTo: "/return"}
	_, page, _ := f.c.Get(t, f.pickerPath(req))
	id, status, body := f.pickControlled(t, req, "/essay.pdf")
	if status != http.StatusOK {
		t.Fatalf("pick: %d %s", status, body)
	}
	_, link := f.open(t, f.c, id)
	for name, html := range map[string]string{"picker": page, "link": link} {
		d := doc(t, html)
		forms := d.Find(`form[method="post"]`)
		if forms.Length() == 0 {
			t.Fatalf("%s: no posting forms", name)
		}
		forms.Each(func(i int, form *goquery.Selection) {
			tok, ok := form.Find(`input[name="csrf_token"]`).Attr("value")
			action, _ := form.Attr("action")
			if !ok || tok == "" {
				t.Errorf("%s: form %d (%s) has no csrf_token field", name, i, action)
			}
		})
	}
	// Log out the way a browser without JavaScript does: the form's own fields, nothing added.
	logout := doc(t, page).Find(`form[action*="/picker/logout/"]`)
	action, _ := logout.Attr("action")
	vals := url.Values{}
	logout.Find(`input[type="hidden"]`).Each(func(_ int, in *goquery.Selection) {
		n, _ := in.Attr("name")
		v, _ := in.Attr("value")
		vals.Set(n, v)
	})
	raw, _ := http.NewRequest(http.MethodPost, f.h.URL+action, strings.NewReader(vals.Encode()))
	raw.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := f.c.Do(raw)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout without JavaScript: %d, want 303", resp.StatusCode)
	}
}
