package securitytest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/store"
)

// stateOf describes what an unsafe request could change: the admin's records, the audit trail, every stored
// login, the course settings, the controlled links' shares and the import jobs, and how many requests reached the
// cloud.
func (m *matrix) stateOf(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	st := m.s.h.Store
	var b strings.Builder
	issuers, err := st.ListIssuers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, iss := range issuers {
		fmt.Fprintf(&b, "issuer %d %q %s %v;", iss.ID, iss.Name, iss.Updated, iss.Endpoints)
		if tok, err := st.GetToken(ctx, store.TokenKey{IssuerID: iss.ID, System: true}); err == nil {
			fmt.Fprintf(&b, "system v%d;", tok.Version)
		}
		for _, u := range []string{student, teacher, manager, admin, "student2"} {
			if tok, err := st.GetToken(ctx, store.TokenKey{IssuerID: iss.ID, UserID: u}); err == nil {
				fmt.Fprintf(&b, "%s v%d;", u, tok.Version)
			}
		}
	}
	instances, err := st.ListInstances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range instances {
		on, err := st.CourseInstanceEnabled(ctx, course, in.ID)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "instance %d %q %s course %t;", in.ID, in.Name, in.Updated, on)
	}
	audit, err := st.ListAudit(ctx, store.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "audit %d;", len(audit))
	shares, err := st.ListControlledShares(ctx, m.link)
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range shares {
		fmt.Fprintf(&b, "share %s %q %d;", sh.UserID, sh.ShareID, sh.Permissions)
	}
	for _, role := range allRoles() {
		id, ok := m.job[role]
		if !ok {
			continue
		}
		j, err := st.GetImportJob(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "job %s %s cancel %t;", role, j.State, j.Cancel)
	}
	for _, ep := range []string{cloudtest.EPToken, cloudtest.EPWebDAV, cloudtest.EPOCS, cloudtest.EPUserinfo} {
		fmt.Fprintf(&b, "%s %d;", ep, m.s.h.Cloud.Count(ep))
	}
	return b.String()
}

// TestCSRFOnEveryUnsafeRoute sends every unsafe route of the table, as a user who may use it and with that
// user's ids, without a CSRF token, with a wrong one, with another user's, and with a valid one from another site
// (Sec-Fetch-Site: cross-site): each is refused with 403 and changes nothing, here or at the cloud.
func TestCSRFOnEveryUnsafeRoute(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{})
	m := &matrix{s: s, r: map[string]string{}, job: map[string]string{}}
	m.spare = s.h.AddIssuer(t, "Spare cloud")
	m.spareIn = s.h.AddInstance(t, m.spare.ID, "Spare files", 1, 1)
	s.h.ConnectSystem(t, m.spare.ID)
	m.link = s.pickControlled(student, course)
	for _, role := range []string{student, teacher, manager, admin} {
		m.r[role] = s.token(s.pickRequest(role))
		m.job[role] = s.startImport(role, m.r[role])
	}
	// A share for the console's revoke and re-grant to act on.
	if status, body, _ := s.post(teacher, path("link", m.link, "share"), url.Values{"edit": {"1"}}); status != http.StatusOK {
		t.Fatalf("teacher's share: %d %s", status, body)
	}
	otherToken := s.client("student2").CSRF(t)
	before := m.stateOf(t)

	unsafe := 0
	for _, rc := range routeTable() {
		if rc.method == http.MethodGet {
			continue
		}
		unsafe++
		role := ""
		for _, r := range []string{student, teacher, manager, admin} {
			if rc.access.allows(r) {
				role = r
				break
			}
		}
		c := s.client(role)
		valid := c.CSRF(t)
		// Each variant rewrites the request a valid call would send.
		variants := []struct {
			name   string
			token  string // the csrf_token field; "-" leaves it out
			header []string
			words  string
		}{
			{"no token", "-", nil, "This form has expired"},
			{"wrong token", "forged-token-value", nil, "This form has expired"},
			{"wrong token in the htmx header", "-", []string{"X-CSRF-Token", "forged-token-value", "HX-Request", "true"}, "This form has expired"},
			{"another user's token", otherToken, nil, "This form has expired"},
			{"cross-site with a valid token", valid, []string{"Sec-Fetch-Site", "cross-site"}, "Request refused"},
		}
		for _, v := range variants {
			rec := &recordingClient{hc: c.Client, base: s.h.URL, token: v.token, header: v.header}
			rs := *s
			rs.via = rec
			mm := *m
			mm.s = &rs
			status, body, hdr := rc.call(&mm, role)
			if !rec.sent {
				t.Fatalf("%s %s: the table's call did not go through the recording client", rc.method, rc.name)
			}
			if status != http.StatusForbidden || !strings.Contains(body, v.words) {
				t.Errorf("%s %s as %s, %s: %d, want 403 %q", rc.method, rc.name, role, v.name, status, v.words)
			}
			if missing := securityHeaders(hdr); len(missing) > 0 {
				t.Errorf("%s %s refused: lacks %s", rc.method, rc.name, strings.Join(missing, "; "))
			}
		}
	}
	if unsafe < 15 {
		t.Fatalf("only %d unsafe routes in the table", unsafe)
	}
	if after := m.stateOf(t); after != before {
		t.Errorf("refused requests changed something:\nbefore %s\nafter  %s", before, after)
	}
}

// recordingClient sends a site's POSTs with a chosen CSRF token and extra headers instead of the valid ones.
type recordingClient struct {
	hc     *http.Client // the user's client, with their cookies
	base   string
	token  string // the csrf_token field; "-" leaves it out
	header []string
	sent   bool
}

func (rc *recordingClient) post(t *testing.T, p string, form url.Values, header ...string) (int, string, http.Header) {
	t.Helper()
	rc.sent = true
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	out.Del("csrf_token")
	if rc.token != "-" {
		out.Set("csrf_token", rc.token)
	}
	req, err := http.NewRequest(http.MethodPost, rc.base+p, strings.NewReader(out.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, hs := range [][]string{header, rc.header} {
		for i := 0; i+1 < len(hs); i += 2 {
			req.Header.Set(hs[i], hs[i+1])
		}
	}
	return send(t, rc.hc, req)
}
