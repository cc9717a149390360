package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// remoteLMS is the demo LMS (examples/lms) running in another process, with its built-in test cloud.
type remoteLMS struct {
	url        string // the LMS's base URL, without a trailing slash
	cloudURL   string // its test cloud's base URL
	folder     string // the folder the users list: 120 files in the demo account alice
	importPath string // the file they import, accepted by the demo's first assignment
}

// The demo account's content the session uses (examples/lms/democloud.go seeds it).
const (
	remoteFolder     = "/Archive/2023 worksheets"
	remoteImportPath = "/Documents/Lab report - photosynthesis.pdf"
)

// instParam finds the repository instance in the picker's links.
var instParam = regexp.MustCompile(`[?&;]i=([0-9]+)`)

// runRemote drives the demo LMS at o.lms over HTTP: each simulated user signs in through the LMS's user switcher
// as one of the demo students, opens the first assignment's picker, logs in to the LMS's test cloud through its
// login pages, and then works like the in-process users (listing a folder of 120 files, importing the lab report).
// The LMS, its cloud and its database are another process's: the summary has no cloud request counts and no CPU
// figures of theirs.
func runRemote(ctx context.Context, o options, w io.Writer) error {
	r := &remoteLMS{url: strings.TrimSuffix(o.lms, "/"), cloudURL: o.lmsCloud, folder: remoteFolder, importPath: remoteImportPath}
	if !strings.HasSuffix(r.cloudURL, "/") {
		r.cloudURL += "/"
	}
	names := strings.Split(o.lmsUsers, ",")
	tr := &http.Transport{MaxIdleConns: 2 * o.users, MaxIdleConnsPerHost: 2 * o.users, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	fmt.Fprintf(w, "ocrepo load: %d users against the LMS at %s (signed in as %s), %s, think %s\n", o.users, r.url,
		strings.Join(names, ", "), o.duration, o.think)
	fmt.Fprintf(w, "machine: %d CPUs, %s %s/%s; the users share it with the LMS if it runs here\n\n",
		runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	users := make([]*user, o.users)
	for n := range users {
		sctx, cancel := context.WithTimeout(ctx, o.timeout)
		u, err := r.signIn(sctx, strings.TrimSpace(names[n%len(names)]), tr)
		cancel()
		if err != nil {
			return fmt.Errorf("load: user %d: %w", n, err)
		}
		users[n] = u
	}
	return work(ctx, o, w, users, newSelfMeter("this process (the users)", "users", o.cpuProfile), func() {}, func(io.Writer, time.Duration) {})
}

// signIn signs a new browser in to the LMS as name and finds the picker of the first assignment.
func (r *remoteLMS) signIn(ctx context.Context, name string, tr http.RoundTripper) (*user, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	u := &user{id: name, cloudUser: name, remote: r, base: r.url,
		c: &http.Client{Transport: tr, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	home, _, err := u.do(ctx, http.MethodGet, "/", nil, http.StatusOK)
	if err != nil {
		return nil, fmt.Errorf("the LMS's start page: %w", err)
	}
	csrf, ok := between(home, `name="csrf_token" value="`, `"`)
	if !ok {
		return nil, errors.New("no sign-in form on the LMS's start page (is -lms the demo LMS?)")
	}
	if _, _, err := u.do(ctx, http.MethodPost, "/signin", url.Values{"user": {name}, "csrf_token": {csrf}}, http.StatusSeeOther); err != nil {
		return nil, fmt.Errorf("sign in as %s: %w", name, err)
	}
	picker, err := u.follow(ctx, "/", `a[href^="/courses/"]`, `a[href^="/assignments/"]`, `[data-testid="choose-file"]`)
	if err != nil {
		return nil, err
	}
	pu, err := url.Parse(picker)
	if err != nil {
		return nil, err
	}
	u.token = pu.Query().Get("r")
	page, _, err := u.do(ctx, http.MethodGet, picker, nil, http.StatusOK)
	if err != nil {
		return nil, fmt.Errorf("the picker: %w", err)
	}
	m := instParam.FindStringSubmatch(page)
	if u.token == "" || m == nil {
		return nil, errors.New("the picker's address has no signed request or instance")
	}
	if u.instID, err = strconv.ParseInt(m[1], 10, 64); err != nil {
		return nil, err
	}
	return u, nil
}

// follow starts at path and follows, page by page, the first link each selector finds; it returns the last link.
func (u *user) follow(ctx context.Context, path string, selectors ...string) (string, error) {
	for _, sel := range selectors {
		body, _, err := u.do(ctx, http.MethodGet, path, nil, http.StatusOK)
		if err != nil {
			return "", err
		}
		d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
		if err != nil {
			return "", err
		}
		href, ok := d.Find(sel).First().Attr("href")
		if !ok {
			return "", fmt.Errorf("%s has no %s", path, sel)
		}
		path = href
	}
	return path, nil
}

// awaitRemote polls an import's status as the picker does, until it ends; an import that ends without a pick is
// an error.
func (u *user) awaitRemote(ctx context.Context, id string) error {
	for {
		_, hdr, err := u.do(ctx, http.MethodGet, mount+"/picker/import/"+url.PathEscape(id)+"?"+u.query(), nil, http.StatusOK)
		if err != nil {
			return err
		}
		if hdr.Get("HX-Retarget") != "" {
			if !strings.Contains(hdr.Get("HX-Trigger"), "ocrepo:picked") {
				return errors.New("the import ended without a result")
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
