package picker_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// pseudoMessage matches one message rendered in the pseudo-locale en-XA.
var pseudoMessage = regexp.MustCompile(`⟦[^⟦⟧]*⟧`)

// notYetTranslated are the parts of the picker whose words come from the service, not yet from the catalog: the
// cloud's problems (Explain), the refusal reasons and accepted types (Acceptor), sizes and dates. The check
// leaves them out, so that everything else on the page is held to the catalog.
const notYetTranslated = `.alert, [data-testid="refusal"], [data-testid="requirements"], td.size, td.modified, .refused-note > p:first-child`

// withoutMessages is s with its pseudo-locale messages taken out, messages inside messages ("⟦⟦Files⟧: ⟦4
// items⟧.⟧") included.
func withoutMessages(s string) string {
	for {
		r := pseudoMessage.ReplaceAllString(s, "")
		if r == s {
			return r
		}
		s = r
	}
}

// leftInEnglish lists the words of body that are neither pseudo-locale messages nor the test's own data.
func leftInEnglish(t *testing.T, body string, data ...string) []string {
	t.Helper()
	d := doc(t, body)
	d.Find(notYetTranslated).Remove()
	// A failed listing announces the cloud's problem, which is Explain's words too.
	d.Find(`[data-testid="listing-problem"]`).RemoveAttr("data-announce")
	var bad []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style") {
			return
		}
		if n.Type == html.TextNode {
			rest := withoutMessages(n.Data)
			for _, u := range data {
				rest = strings.ReplaceAll(rest, u, "")
			}
			if strings.TrimFunc(rest, func(r rune) bool { return strings.ContainsRune(" \t\n–-—·:.,()←→|/%0123456789", r) }) != "" {
				bad = append(bad, strings.TrimSpace(n.Data))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range d.Nodes {
		walk(n)
	}
	d.Find("[aria-label],[title],[placeholder],[alt],[data-announce]").Each(func(_ int, s *goquery.Selection) {
		for _, a := range []string{"aria-label", "title", "placeholder", "alt", "data-announce"} {
			v, ok := s.Attr(a)
			if !ok || v == "" {
				continue
			}
			rest := withoutMessages(v)
			for _, u := range data {
				rest = strings.ReplaceAll(rest, u, "")
			}
			if strings.Trim(rest, " .:,") != "" {
				bad = append(bad, a+"="+v)
			}
		}
	})
	return bad
}

// TestPseudoLocalePicker: rendered in the pseudo-locale, the picker's pages and fragments (logged out, a folder
// with its refusal note, search results, the login window, a failed listing) have no words left that are not from the catalog.
func TestPseudoLocalePicker(t *testing.T) {
	t.Parallel()
	pseudo := repositorytest.Options{Config: func(c *repository.Config) {
		c.Language = repository.LanguagesFunc(func(*http.Request) string { return "en-XA" })
	}}
	data := []string{"Campus Cloud", "My files", "alice", "old report.pdf", "report.pdf", "notes.txt", "big.pdf", "/Docs", "Docs", "report"}
	check := func(t *testing.T, what, body string) {
		t.Helper()
		if !strings.Contains(body, "⟦") {
			t.Fatalf("%s: not rendered in the pseudo-locale: %s", what, body)
		}
		if bad := leftInEnglish(t, body, data...); len(bad) > 0 {
			t.Errorf("%s: words not from the catalog: %q", what, bad)
		}
	}
	req := host.PickRequest{Accept: []string{".pdf"}, MaxBytes: 1000}

	t.Run("logged out", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, pseudo)
		_, body, _ := f.c.Get(t, f.pickerPath(req))
		if doc(t, body).Find(`[data-testid="login-box"]`).Length() != 1 {
			t.Fatalf("no login box: %s", body)
		}
		check(t, "logged-out panel", body)
	})
	t.Run("listing with refusals", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, pseudo)
		f.h.Connect(t, f.iss.ID, "student")
		f.h.Cloud.Mkdir("alice", "/Docs")
		f.h.Cloud.WriteFile("alice", "/report.pdf", []byte("%PDF small"))
		f.h.Cloud.WriteFile("alice", "/big.pdf", []byte(strings.Repeat("x", 2000)))
		f.h.Cloud.WriteFile("alice", "/notes.txt", []byte("text"))
		_, body, _ := f.c.Get(t, f.pickerPath(req)+"&pickable=0")
		d := doc(t, body)
		if d.Find(`[data-testid="refused-note"]`).Length() != 1 || d.Find(`[data-testid="row"]`).Length() != 4 {
			t.Fatalf("no listing with a refusal note: %s", body)
		}
		check(t, "listing page", body)
		_, frag, _ := f.c.Get(t, f.listPath(t, req, "pickable", "0"), "HX-Request", "true")
		check(t, "listing fragment", frag)
	})
	t.Run("search", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, pseudo)
		f.h.Connect(t, f.iss.ID, "student")
		f.h.Cloud.WriteFile("alice", "/Docs/report.pdf", []byte("x"))
		f.h.Cloud.WriteFile("alice", "/Docs/old report.pdf", []byte("x"))
		q := url.Values{"r": {token(t, f.pickerPath(host.PickRequest{}))}, "i": {strconv.FormatInt(f.inst.ID, 10)}, "q": {"report"}}
		_, body, _ := f.c.Get(t, repositorytest.Mount+"/picker/search?"+q.Encode(), "HX-Request", "true")
		if len(names(doc(t, body))) != 2 {
			t.Fatalf("search did not find the two reports: %s", body)
		}
		check(t, "search results", body)
	})
	t.Run("login window", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, pseudo)
		state, challenge := f.startLogin(t, f.c)
		code := f.h.Cloud.AuthorizeCode("alice", state, challenge)
		_, body, _ := f.c.Get(t, repositorytest.Mount+"/callback?state="+url.QueryEscape(state)+"&code="+url.QueryEscape(code))
		if doc(t, body).Find(`[data-testid="login-ok"]`).Length() != 1 {
			t.Fatalf("login did not finish: %s", body)
		}
		check(t, "login window", body)
	})
	t.Run("failed listing", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, pseudo)
		f.h.Connect(t, f.iss.ID, "student")
		f.h.Cloud.Fail(cloudtest.EPWebDAV, cloudtest.Fault{Status: 502})
		_, body, _ := f.c.Get(t, f.listPath(t, host.PickRequest{}), "HX-Request", "true")
		if doc(t, body).Find(`[data-testid="listing-problem"]`).Length() != 1 {
			t.Fatalf("no problem panel: %s", body)
		}
		check(t, "failed listing", body)
	})
}
