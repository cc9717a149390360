package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// demo is a running demo LMS for a test, on random loopback ports.
type demo struct {
	Info
	dir string
}

// startDemo runs the demo in-process with data in dir (a fresh temporary folder when ""), and stops it when the
// test ends, failing the test if it did not stop cleanly.
func startDemo(t *testing.T, o Options, dir string) *demo {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	ctx, cancel := context.WithCancel(context.Background())
	d := runDemo(t, ctx, o, dir)
	t.Cleanup(func() {
		cancel()
		d.wait(t)
	})
	return d.demo
}

// runningDemo is a demo with its stop handle.
type runningDemo struct {
	*demo
	done chan error
}

// runDemo starts the demo under ctx and waits until it serves.
func runDemo(t *testing.T, ctx context.Context, o Options, dir string) runningDemo {
	t.Helper()
	o.Addr, o.TestCloudAddr, o.DataDir = "127.0.0.1:0", "127.0.0.1:0", dir
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	ready := make(chan Info, 1)
	o.Ready = func(i Info) { ready <- i }
	done := make(chan error, 1)
	go func() { done <- Run(ctx, o) }()
	select {
	case i := <-ready:
		return runningDemo{demo: &demo{Info: i, dir: dir}, done: done}
	case err := <-done:
		t.Fatalf("the demo did not start: %v", err)
	}
	return runningDemo{}
}

// wait waits for Run to return after its context ended and fails the test unless it returned nil.
func (d runningDemo) wait(t *testing.T) {
	t.Helper()
	if err := <-d.done; err != nil {
		t.Errorf("the demo did not stop cleanly: %v", err)
	}
}

// testWriter sends log lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// client is a plain HTTP client of the demo, signed in through the switcher.
type client struct {
	*http.Client
	base string
	csrf string
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// signIn returns a client signed in as user (no redirects followed, so tests see them).
func (d *demo) signIn(t *testing.T, user string) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &client{Client: &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, base: d.URL}
	_, body := c.get(t, "/")
	m := csrfInput.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF token on the start page")
	}
	c.csrf = m[1]
	if status, _ := c.post(t, "/signin", url.Values{"user": {user}}); status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d", user, status)
	}
	return c
}

func (c *client) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, body := c.send(t, http.MethodGet, path, nil)
	return resp.StatusCode, body
}

func (c *client) post(t *testing.T, path string, form url.Values) (int, string) {
	t.Helper()
	resp, body := c.send(t, http.MethodPost, path, form)
	return resp.StatusCode, body
}

// send makes a request (a form post when form is not nil, with the LMS's CSRF token unless the form has one)
// and returns the response (body read) and its body.
func (c *client) send(t *testing.T, method, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		if form.Get("csrf_token") == "" && strings.HasPrefix(path, "/") {
			form.Set("csrf_token", c.csrf) // the LMS's own token, for the LMS's own forms
		}
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.abs(path), body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp, string(b)
}

func (c *client) abs(p string) string {
	if strings.HasPrefix(p, "http://") {
		return p
	}
	return c.base + p
}
