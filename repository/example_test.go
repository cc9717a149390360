package repository_test

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/repository"
	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/cloud/cloudtest"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/store/gormstore"
	"github.com/ocrepo/ocrepo/store/gormstore/gormsqlite"
	"github.com/ocrepo/ocrepo/store/seal"
)

// A host creates the repository, migrates, mounts it on an Echo group and hands users signed picker URLs.
func Example() {
	db, err := gormsqlite.Open("") // in memory here; a file or the host's PostgreSQL in production
	if err != nil {
		panic(err)
	}
	repo, err := repository.New(repository.Config{
		DB:        db,
		SecretKey: []byte("an example key of 32 bytes, kept"), // 32 random bytes in production, kept secret
		PublicURL: "https://lms.example.org/cloud",
		Users: repository.UsersFunc(func(r *http.Request) (repository.User, error) {
			return repository.User{ID: "alice", Name: "Alice"}, nil // the host's session decides
		}),
		Admins: repository.AdminsFunc(func(_ context.Context, u repository.User) (bool, error) { return u.ID == "dana", nil }),
		Files: repository.FileSinkFunc(func(_ context.Context, f repository.FileInfo, r io.Reader) (string, error) {
			_, err := io.Copy(io.Discard, r) // a real sink stores the bytes and returns its reference
			return "upload-" + f.Name, err
		}),
	})
	if err != nil {
		panic(err)
	}
	defer repo.Close()
	if err := repo.Migrate(context.Background()); err != nil {
		panic(err)
	}
	e := echo.New()
	repo.Mount(e.Group("/cloud"))

	u := repo.PickerURL(repository.PickRequest{
		User: "alice", Course: "BIO101", Want: repository.ReturnImport | repository.ReturnControlledLink,
		Accept: []string{".pdf"}, MaxBytes: 20 << 20,
		Context: []string{"BIO101", "assignment 1", "alice"}, ReturnTo: "/assignments/1/attach",
	})
	fmt.Println(strings.HasPrefix(u, "/cloud/picker?r="))
	fmt.Println("register at the cloud:", repo.CallbackURL())
	fmt.Println("controlled link 7 opens at", repo.ControlledLinkURL(7))
	routes := map[string]bool{}
	for _, r := range e.Routes() {
		routes[r.Method+" "+r.Path] = true
	}
	for _, r := range []string{"GET /cloud/admin", "GET /cloud/course/:course", "GET /cloud/picker", "GET /cloud/callback", "GET /cloud/link/:id"} {
		fmt.Println(r, routes[r])
	}
	// Output:
	// true
	// register at the cloud: https://lms.example.org/cloud/callback
	// controlled link 7 opens at /cloud/link/7
	// GET /cloud/admin true
	// GET /cloud/course/:course true
	// GET /cloud/picker true
	// GET /cloud/callback true
	// GET /cloud/link/:id true
}

// After the user picked, the host turns the pick id it received (from ReturnTo?pick=<id>, the ocrepo:picked
// htmx event or the postMessage) into files with PickResult. Here a user imports a PDF from the fake cloud
// through the picker's plain form, as a browser without JavaScript would.
func ExampleRepository_PickResult() {
	ctx := context.Background()
	cl, err := cloudtest.New(cloudtest.Options{ClientID: "lms", ClientSecret: "lms-secret"})
	if err != nil {
		panic(err)
	}
	defer cl.Close()
	cl.AddUser("alice", "alice", "alice@example.org", "Alice")
	cl.WriteFile("alice", "/Documents/report.pdf", []byte("%PDF-1.7 a report"))

	// The store, set up as an admin would on the admin pages: a cloud server, an instance, and Alice's login.
	key := []byte("an example key of 32 bytes, kept")
	st := newStore(ctx, key)
	inst := addCloud(ctx, st, cl.URL)
	access, refresh, life := cl.IssueToken("alice") // the fake's shortcut for the login popup
	if _, err := st.PutToken(ctx, store.Token{Key: store.TokenKey{IssuerID: inst.IssuerID, UserID: "alice"}, CloudUser: "alice",
		AccessToken: access, RefreshToken: refresh, Expiry: time.Now().Add(life)}); err != nil {
		panic(err)
	}

	sink := &memorySink{}
	srv := httptest.NewUnstartedServer(nil)
	repo, err := repository.New(repository.Config{
		Store:     st,
		SecretKey: key,
		PublicURL: "http://" + srv.Listener.Addr().String() + "/cloud",
		Users: repository.UsersFunc(func(r *http.Request) (repository.User, error) {
			return repository.User{ID: "alice", Name: "Alice"}, nil
		}),
		Admins:        repository.AdminsFunc(func(context.Context, repository.User) (bool, error) { return false, nil }),
		Files:         sink,
		AllowLoopback: true, // the fake cloud lives on 127.0.0.1
	})
	if err != nil {
		panic(err)
	}
	defer repo.Close()
	e := echo.New()
	repo.Mount(e.Group("/cloud"))
	srv.Config.Handler = e
	srv.Start()
	defer srv.Close()

	// The browser: open the picker, pick the file to import.
	picker := srv.URL + repo.PickerURL(repository.PickRequest{User: "alice", Course: "BIO101", Accept: []string{".pdf"},
		ReturnTo: "/assignments/1/attach"})
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	page := get(browser, picker)
	form := url.Values{
		"r":          {queryOf(picker, "r")},
		"i":          {strconv.FormatInt(inst.ID, 10)},
		"as":         {"import"},
		"path":       {"/Documents/report.pdf"},
		"csrf_token": {regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)"`).FindStringSubmatch(page)[1]},
	}
	resp, err := browser.PostForm(srv.URL+"/cloud/picker/pick", form)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location")) // the import's progress page
	job, err := repo.AwaitImport(ctx, repository.User{ID: "alice"}, path.Base(loc.Path))
	if err != nil {
		panic(err)
	}

	// The host's ReturnTo handler gets ?pick=<id> and asks for the files. Only Alice may read her pick.
	res, err := repo.PickResult(ctx, "alice", job.ResultID)
	if err != nil {
		panic(err)
	}
	for _, f := range res.Files {
		fmt.Printf("%s: %s, %d bytes, %s, stored as %s\n", res.Type, f.Name, f.Size, f.ContentType, f.Ref)
	}
	fmt.Println("the sink holds", strings.Join(sink.names(), ", "))
	_, err = repo.PickResult(ctx, "carol", job.ResultID)
	fmt.Println("someone else:", err != nil)
	// Output:
	// import: report.pdf, 17 bytes, application/pdf, stored as upload-1
	// the sink holds report.pdf
	// someone else: true
}

func newStore(ctx context.Context, key []byte) store.Store {
	db, err := gormsqlite.Open("")
	if err != nil {
		panic(err)
	}
	keys, err := seal.NewKeyring(key)
	if err != nil {
		panic(err)
	}
	st, err := gormstore.New(db, keys)
	if err != nil {
		panic(err)
	}
	if err := st.Migrate(ctx); err != nil {
		panic(err)
	}
	return st
}

// addCloud registers a Nextcloud (its preset endpoints) with an instance that imports and links.
func addCloud(ctx context.Context, st store.Store, base string) store.Instance {
	eps, err := cloud.PresetEndpoints(cloud.Nextcloud, base)
	if err != nil {
		panic(err)
	}
	iss := store.Issuer{Name: "Campus cloud", BaseURL: base, ClientID: "lms", ClientSecret: "lms-secret", BasicAuth: true, Preset: "nextcloud"}
	for _, n := range slices.Sorted(maps.Keys(eps)) {
		iss.Endpoints = append(iss.Endpoints, store.Endpoint{Name: n, URL: eps[n]})
	}
	for ext, in := range cloud.DefaultMappings() {
		iss.Mappings = append(iss.Mappings, store.FieldMapping{External: ext, Internal: in})
	}
	iss, err = st.CreateIssuer(ctx, iss)
	if err != nil {
		panic(err)
	}
	inst, err := st.CreateInstance(ctx, store.Instance{Name: "Cloud files", IssuerID: iss.ID, ControlledLinkFolder: "LMS files",
		Supported: store.ReturnTypes(repository.ReturnImport | repository.ReturnLink), DefaultReturn: store.ReturnTypes(repository.ReturnImport), Enabled: true})
	if err != nil {
		panic(err)
	}
	return inst
}

// memorySink keeps imported files in memory.
type memorySink struct {
	mu    sync.Mutex
	files []string
}

func (s *memorySink) Store(_ context.Context, f repository.FileInfo, r io.Reader) (string, error) {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files = append(s.files, f.Name)
	return "upload-" + strconv.Itoa(len(s.files)), nil
}

func (s *memorySink) names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.files)
}

func get(c *http.Client, u string) string {
	resp, err := c.Get(u)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func queryOf(u, key string) string {
	p, err := url.Parse(u)
	if err != nil {
		panic(err)
	}
	return p.Query().Get(key)
}
