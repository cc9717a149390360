package securitytest

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/repository/repositorytest"
)

// plainHost is a host application the way a host writes one: repository.New with the host's own Config (a
// database instead of the test kit's store), mounted at /cloud on its own server. The replica and key-rotation
// suites run several of them on one database.
type plainHost struct {
	URL  string // the host's base URL
	Repo *repository.Repository
}

// hostUsers says who is signed in, from the same cookie the test kit uses: "admin", "teacher" and any "student…".
func hostUsers(r *http.Request) (host.User, error) {
	ck, err := r.Cookie(repositorytest.UserCookie)
	if err != nil || ck.Value == "" {
		return host.User{}, host.ErrNotSignedIn
	}
	switch v := ck.Value; {
	case v == admin, v == teacher, strings.HasPrefix(v, "student"):
		return host.User{ID: v, Name: v, Email: v + "@lms.example"}, nil
	}
	return host.User{}, host.ErrNotSignedIn
}

// startHost fills in what every host sets (PublicURL, the user hooks, a file sink when none is given), builds the
// Repository, migrates and serves it. The server and the repository stop when the test ends.
func startHost(t testing.TB, cfg repository.Config) *plainHost {
	t.Helper()
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	srv := httptest.NewUnstartedServer(e)
	base := "http://" + srv.Listener.Addr().String()
	cfg.PublicURL = base + repositorytest.Mount
	cfg.Users = host.UsersFunc(hostUsers)
	cfg.Admins = host.AdminsFunc(func(_ context.Context, u host.User) (bool, error) { return u.ID == admin, nil })
	cfg.CourseManagers = host.CourseManagersFunc(func(_ context.Context, u host.User, _ string) (bool, error) { return u.ID == teacher, nil })
	if cfg.Files == nil {
		cfg.Files = repositorytest.NewMemorySink()
	}
	if cfg.LinkAccess == nil {
		cfg.LinkAccess = &linkRules{}
	}
	repo, err := repository.New(cfg)
	if err != nil {
		_ = srv.Listener.Close()
		t.Fatalf("repository.New: %v", err)
	}
	t.Cleanup(repo.Close)
	if err := repo.Migrate(context.Background()); err != nil {
		_ = srv.Listener.Close()
		t.Fatalf("migrate: %v", err)
	}
	repo.Mount(e.Group(repositorytest.Mount))
	e.GET("/return", func(c echo.Context) error { return c.String(http.StatusOK, "returned "+c.QueryParam("pick")) })
	srv.Start()
	t.Cleanup(srv.Close)
	return &plainHost{URL: base, Repo: repo}
}

// agent is a browser without JavaScript: one user's cookies (shared by every host on 127.0.0.1, as a browser
// shares them across ports) and the CSRF token the pages hand out. It does not follow redirects.
type agent struct {
	t    testing.TB
	hc   *http.Client
	user string

	mu   sync.Mutex
	csrf string
	seen func(status int, body string, h http.Header) // every answer, for the secrets suite
}

func newAgent(t testing.TB, transport http.RoundTripper, user string) *agent {
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse("http://127.0.0.1/")
	jar.SetCookies(u, []*http.Cookie{{Name: repositorytest.UserCookie, Value: user, Path: "/"}})
	return &agent{t: t, user: user, hc: &http.Client{Jar: jar, Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (a *agent) do(req *http.Request) (int, string, http.Header) {
	a.t.Helper()
	status, body, hdr := send(a.t, a.hc, req)
	if a.seen != nil {
		a.seen(status, body, hdr)
	}
	return status, body, hdr
}

func (a *agent) get(rawURL string, header ...string) (int, string, http.Header) {
	a.t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		a.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return a.do(req)
}

// post sends a form with the CSRF token, fetched from base's picker page the first time.
func (a *agent) post(base, p string, form url.Values, header ...string) (int, string, http.Header) {
	a.t.Helper()
	a.mu.Lock()
	token := a.csrf
	a.mu.Unlock()
	if token == "" {
		_, body, _ := a.get(base + path("picker"))
		m := regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)"`).FindStringSubmatch(body)
		if m == nil {
			a.t.Fatalf("no CSRF token for %s", a.user)
		}
		token = m[1]
		a.mu.Lock()
		a.csrf = token
		a.mu.Unlock()
	}
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	out.Set("csrf_token", token)
	req, err := http.NewRequest(http.MethodPost, base+p, strings.NewReader(out.Encode()))
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return a.do(req)
}
