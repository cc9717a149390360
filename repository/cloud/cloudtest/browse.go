package cloudtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// maxLoginHops bounds the pages one login walks through.
const maxLoginHops = 12

// BrowserLogin walks the server's login pages from an authorize URL the way a browser without JavaScript does,
// with a cookie jar of its own: the login flow page, the login form (user and password), the grant page (the
// Nextcloud flavours), or the single login-and-consent page (ownCloud). It returns the URL the server finally
// sends the browser to, off this server: the registered redirect URI with state and code. A page that shows an
// error (a wrong password) ends the walk with that error's words.
func (s *Server) BrowserLogin(ctx context.Context, authorizeURL, user, password string) (*url.URL, error) {
	return WalkLogin(ctx, s.Client(), s.URL, authorizeURL, user, password)
}

// WalkLogin is BrowserLogin for a test cloud that runs in another process (the demo LMS's, for a load test): it
// walks the login pages of the test cloud at cloudURL through a copy of client with a cookie jar of its own, and
// returns the first URL off that cloud the walk is sent to.
func WalkLogin(ctx context.Context, client *http.Client, cloudURL, authorizeURL, user, password string) (*url.URL, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, fmt.Errorf("cloudtest: cookie jar: %w", err)
	}
	hc := *client
	hc.Jar = jar
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	next, err := http.NewRequestWithContext(ctx, http.MethodGet, authorizeURL, nil)
	if err != nil {
		return nil, fmt.Errorf("cloudtest: login: %w", err)
	}
	for range maxLoginHops {
		resp, err := hc.Do(next)
		if err != nil {
			return nil, fmt.Errorf("cloudtest: login: %w", err)
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("cloudtest: login: read %s: %w", resp.Request.URL.Path, err)
		}
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			loc, err := resp.Request.URL.Parse(resp.Header.Get("Location"))
			if err != nil {
				return nil, fmt.Errorf("cloudtest: login: redirect: %w", err)
			}
			if !strings.HasPrefix(loc.String(), cloudURL) {
				return loc, nil
			}
			if next, err = http.NewRequestWithContext(ctx, http.MethodGet, loc.String(), nil); err != nil {
				return nil, fmt.Errorf("cloudtest: login: %w", err)
			}
			continue
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("cloudtest: login: %s answered HTTP %d", resp.Request.URL.Path, resp.StatusCode)
		}
		pg, err := readPage(body)
		if err != nil {
			return nil, fmt.Errorf("cloudtest: login: %s: %w", resp.Request.URL.Path, err)
		}
		switch {
		case pg.alert != "":
			return nil, fmt.Errorf("cloudtest: login: %s says %q", resp.Request.URL.Path, pg.alert)
		case pg.link != "":
			u, err := resp.Request.URL.Parse(pg.link)
			if err != nil {
				return nil, fmt.Errorf("cloudtest: login: link: %w", err)
			}
			next, err = http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
			if err != nil {
				return nil, fmt.Errorf("cloudtest: login: %w", err)
			}
		case pg.action != "":
			if pg.values.Has("user") || pg.values.Has("password") {
				pg.values.Set("user", user)
				pg.values.Set("password", password)
			}
			u, err := resp.Request.URL.Parse(pg.action)
			if err != nil {
				return nil, fmt.Errorf("cloudtest: login: form action: %w", err)
			}
			next, err = http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(pg.values.Encode()))
			if err != nil {
				return nil, fmt.Errorf("cloudtest: login: %w", err)
			}
			next.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		default:
			return nil, fmt.Errorf("cloudtest: login: %s has neither a form nor a login link", resp.Request.URL.Path)
		}
	}
	return nil, errors.New("cloudtest: login: too many pages")
}

// loginPage is what the login walk needs of a page.
type loginPage struct {
	action string     // the form's action
	values url.Values // its inputs
	link   string     // the login flow's "Log in" link
	alert  string     // an error the page shows
}

// readPage reads the first form, the login flow link and an error alert of a page.
func readPage(body []byte) (loginPage, error) {
	doc, err := html.Parse(strings.NewReader(string(body)))
	if err != nil {
		return loginPage{}, fmt.Errorf("parse page: %w", err)
	}
	pg := loginPage{values: url.Values{}}
	attr := func(n *html.Node, k string) string {
		for _, a := range n.Attr {
			if a.Key == k {
				return a.Val
			}
		}
		return ""
	}
	forms := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch {
			case n.Data == "form":
				forms++
				if forms == 1 {
					pg.action = attr(n, "action")
				}
			case n.Data == "input" && forms == 1 && attr(n, "name") != "":
				pg.values.Set(attr(n, "name"), attr(n, "value"))
			case n.Data == "a" && attr(n, "id") == "login-flow-start":
				pg.link = attr(n, "href")
			case attr(n, "role") == "alert" && n.FirstChild != nil:
				pg.alert = strings.TrimSpace(n.FirstChild.Data)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return pg, nil
}
