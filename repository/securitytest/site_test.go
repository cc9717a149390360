package securitytest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
	"github.com/ocrepo/ocrepo/store"
)

// The roles every route is called as. The test host's own users are "student", "teacher" and "admin"; "manager"
// manages course 42 and nothing else; "" is anonymous.
const (
	anon    = ""
	student = "student"
	teacher = "teacher"
	manager = "manager"
	admin   = "admin"
)

// allRoles lists the roles in the order the suites call them.
func allRoles() []string { return []string{anon, student, teacher, manager, admin} }

// course is the course every pick request of the suites belongs to; otherCourse is one that manager does not
// manage.
const (
	course      = "42"
	otherCourse = "43"
)

// cloudAccounts are the fake cloud's accounts of the host users (the test host's, plus manager's).
func cloudAccounts() map[string]string {
	return map[string]string{student: "alice", teacher: "bob", admin: "dana", "student2": "carol", manager: "erin"}
}

// linkRules is the host's controlled-link hook for the suites: the owner, teachers and admins edit; users listed
// as viewers view; everybody else (other students, the course manager) gets nothing.
type linkRules struct {
	mu      sync.Mutex
	viewers map[string]bool
}

func (r *linkRules) allowViewer(user string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.viewers == nil {
		r.viewers = map[string]bool{}
	}
	r.viewers[user] = true
}

// ControlledLinkAccess implements host.ControlledLinkAccess.
func (r *linkRules) ControlledLinkAccess(_ context.Context, viewer host.User, l host.ControlledLinkInfo) (host.Access, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case viewer.ID == l.Owner, viewer.ID == teacher, viewer.ID == admin:
		return host.AccessEdit, nil
	case r.viewers[viewer.ID]:
		return host.AccessView, nil
	}
	return host.AccessNone, nil
}

// site is a test host with one Nextcloud issuer and one instance for file and link picks, the system account
// connected, and every role's cloud account logged in.
type site struct {
	t     *testing.T
	h     *repositorytest.Host
	iss   store.Issuer
	inst  store.Instance
	rules *linkRules
	via   *recordingClient // when set, post sends through it (the CSRF suite's forged requests)
}

// siteOptions adjust a site.
type siteOptions struct {
	opts      repositorytest.Options
	noConnect bool // leave the users logged out of the cloud
}

func newSite(t *testing.T, so siteOptions) *site {
	t.Helper()
	rules := &linkRules{}
	opts := so.opts
	adjust := opts.Config
	opts.Config = func(cfg *repository.Config) {
		users := cfg.Users
		cfg.Users = host.UsersFunc(func(r *http.Request) (host.User, error) {
			if ck, err := r.Cookie(repositorytest.UserCookie); err == nil && ck.Value == manager {
				return host.User{ID: manager, Name: "Manager", Email: "manager@lms.example"}, nil
			}
			return users.CurrentUser(r)
		})
		cfg.CourseManagers = host.CourseManagersFunc(func(_ context.Context, u host.User, c string) (bool, error) {
			return u.ID == manager && c == course, nil
		})
		cfg.LinkAccess = rules
		if adjust != nil {
			adjust(cfg)
		}
	}
	h := repositorytest.New(t, opts)
	h.Cloud.AddUser("erin", "erin", "erin@example.org", "Erin (manager)")
	s := &site{t: t, h: h, rules: rules}
	s.iss = h.AddIssuer(t, "Campus Cloud")
	s.inst = h.AddInstance(t, s.iss.ID, "Course files", host.ReturnImport|host.ReturnLink, host.ReturnImport)
	for user, account := range cloudAccounts() {
		h.Cloud.WriteFile(account, "/report.pdf", []byte("report of "+account))
		h.Cloud.WriteFile(account, "/Folder/notes.txt", []byte("notes of "+account))
		if !so.noConnect {
			s.connect(user)
		}
	}
	if !so.noConnect {
		h.ConnectSystem(t, s.iss.ID)
	}
	return s
}

// connect stores a fresh login of user's cloud account without the browser.
func (s *site) connect(user string) {
	s.t.Helper()
	account := cloudAccounts()[user]
	access, refresh, life := s.h.Cloud.IssueToken(account)
	now := s.h.Clock.Now().UTC()
	_, err := s.h.Store.PutToken(context.Background(), store.Token{Key: store.TokenKey{IssuerID: s.iss.ID, UserID: user},
		CloudUser: account, AccessToken: access, RefreshToken: refresh, Expiry: now.Add(life), Created: now, Refreshed: now})
	if err != nil {
		s.t.Fatalf("store %s's login: %v", user, err)
	}
}

// client is an HTTP client signed in as user.
func (s *site) client(user string) *repositorytest.Client { return s.h.Client(user) }

// pickRequest is the request a host makes for user in course 42.
func (s *site) pickRequest(user string) host.PickRequest {
	return host.PickRequest{User: user, Course: course, Want: host.ReturnAny, Context: []string{"course 42", "assign", "7"},
		ReturnTo: "/return", Expires: s.h.Clock.Now().Add(time.Hour)}
}

// token is the signed request of a picker URL for user.
func (s *site) token(req host.PickRequest) string {
	s.t.Helper()
	u, err := url.Parse(s.h.PickerURL(req))
	if err != nil {
		s.t.Fatal(err)
	}
	return u.Query().Get("r")
}

// pickerForm is r and i for user's picker, plus extra pairs.
func (s *site) pickerForm(r string, kv ...string) url.Values {
	v := url.Values{"r": {r}, "i": {strconv.FormatInt(s.inst.ID, 10)}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// path is a path under the mount.
func path(parts ...any) string {
	var b strings.Builder
	b.WriteString(repositorytest.Mount)
	for _, p := range parts {
		b.WriteString("/")
		b.WriteString(url.PathEscape(toString(p)))
	}
	return b.String()
}

func toString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case int:
		return strconv.Itoa(x)
	}
	panic("securitytest: path part of unexpected type")
}

// post sends a form as user; anonymous requests carry a made-up CSRF token (they have none to fetch).
func (s *site) post(user, p string, form url.Values, header ...string) (int, string, http.Header) {
	s.t.Helper()
	if s.via != nil {
		return s.via.post(s.t, p, form, header...)
	}
	c := s.client(user)
	if user == anon {
		if form == nil {
			form = url.Values{}
		}
		form.Set("csrf_token", "anonymous-has-no-token")
	}
	return c.Post(s.t, p, form, header...)
}

// startImport imports user's /report.pdf (as htmx does) and returns the job id once the import has ended.
func (s *site) startImport(user, r string) string {
	s.t.Helper()
	status, body, _ := s.post(user, path("picker", "pick"), s.pickerForm(r, "as", "import", "path", "/report.pdf"), "HX-Request", "true")
	if status != http.StatusAccepted {
		s.t.Fatalf("%s: import status %d: %s", user, status, body)
	}
	d := parse(s.t, body)
	id, ok := d.Find(`[id^="status-"]`).Attr("id")
	if !ok {
		s.t.Fatalf("%s: no import status in %s", user, body)
	}
	id = strings.TrimPrefix(id, "status-")
	if _, err := s.h.Repo.AwaitImport(context.Background(), host.User{ID: user}, id); err != nil {
		s.t.Fatalf("%s: await import: %v", user, err)
	}
	return id
}

// pickControlled makes an access controlled link of user's /report.pdf in course c and returns its id.
func (s *site) pickControlled(user, c string) int64 {
	s.t.Helper()
	req := s.pickRequest(user)
	req.Course, req.Context = c, []string{"course " + c, "assign", "7"}
	status, body, _ := s.post(user, path("picker", "pick"), s.pickerForm(s.token(req), "as", "controlled", "path", "/report.pdf"),
		"HX-Request", "true")
	if status != http.StatusOK {
		s.t.Fatalf("%s: controlled pick status %d: %s", user, status, body)
	}
	raw, ok := parse(s.t, body).Find(`[data-ocrepo-picked]`).Attr("data-ocrepo-picked")
	if !ok {
		s.t.Fatalf("%s: no pick result in %s", user, body)
	}
	id := pickID(s.t, raw)
	res, err := s.h.Repo.PickResult(context.Background(), user, id)
	if err != nil || len(res.Files) != 1 || res.Files[0].ControlledLinkID == 0 {
		s.t.Fatalf("%s: controlled pick result %+v, %v", user, res, err)
	}
	return res.Files[0].ControlledLinkID
}

// startLogin begins user's cloud login through the picker and returns the state and PKCE challenge sent to the
// cloud.
func (s *site) startLogin(user string) (state, challenge string) {
	s.t.Helper()
	status, _, hdr := s.client(user).Get(s.t, path("picker", "login", s.inst.ID)+"?"+s.pickerForm(s.token(s.pickRequest(user))).Encode())
	if status != http.StatusFound {
		s.t.Fatalf("%s: login start status %d", user, status)
	}
	u, err := url.Parse(hdr.Get("Location"))
	if err != nil {
		s.t.Fatal(err)
	}
	return u.Query().Get("state"), u.Query().Get("code_challenge")
}

// callbackQuery finishes the cloud's side of user's login and returns the callback's query.
func (s *site) callbackQuery(user string) string {
	s.t.Helper()
	state, challenge := s.startLogin(user)
	code := s.h.Cloud.AuthorizeCode(cloudAccounts()[user], state, challenge)
	return url.Values{"state": {state}, "code": {code}}.Encode()
}

// send performs a request and reads the whole answer.
func send(t testing.TB, hc *http.Client, req *http.Request) (int, string, http.Header) {
	t.Helper()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", req.Method, req.URL.Path, err)
	}
	return resp.StatusCode, string(b), resp.Header
}

func parse(t testing.TB, body string) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// pickID reads the id from a pick result's JSON (data-ocrepo-picked, HX-Trigger's detail).
func pickID(t testing.TB, raw string) string {
	t.Helper()
	var p struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(raw), &p); err != nil || p.ID == "" {
		t.Fatalf("pick result JSON %q: %v", raw, err)
	}
	return p.ID
}

// alert is the code of the first alert on a page ("" when none).
func alert(t testing.TB, body string) string {
	t.Helper()
	code := ""
	parse(t, body).Find(`[data-testid^="alert-"]`).EachWithBreak(func(_ int, sel *goquery.Selection) bool {
		id, _ := sel.Attr("data-testid")
		code = strings.TrimPrefix(id, "alert-")
		return false
	})
	return code
}
