package cloud

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// Conn is the client acting as one cloud user through their token. Safe for concurrent use.
type Conn struct {
	c       *Client
	user    string
	ts      TokenSource
	prefix  string // scheme://host and the escaped path of the WebDAV root, with a trailing slash
	query   string // the WebDAV endpoint's raw query, kept on requests
	root    string // decoded path of the WebDAV root, with a trailing slash
	altRoot string // root relative to the base URL's path, for proxies that hide a sub-path; "" if the same
	davErr  error  // why WebDAV cannot be used by this Conn
}

// As returns a Conn for cloudUser (the username at the cloud, for the {userid} in the WebDAV endpoint) with ts.
func (c *Client) As(cloudUser string, ts TokenSource) *Conn {
	cn := &Conn{c: c, user: cloudUser, ts: ts}
	if strings.Contains(c.webdav, UserIDPlaceholder) && cloudUser == "" {
		cn.davErr = errors.New("the WebDAV endpoint needs the cloud username, and none is known")
	}
	u, err := url.Parse(strings.ReplaceAll(c.webdav, UserIDPlaceholder, url.PathEscape(cloudUser)))
	if err != nil {
		// New checked the endpoint with a placeholder name; an escaped name cannot break it.
		cn.davErr = errors.New("the WebDAV endpoint does not parse with this username")
		return cn
	}
	escaped := u.EscapedPath()
	decoded := u.Path
	if !strings.HasSuffix(escaped, "/") {
		escaped += "/"
		decoded += "/"
	}
	cn.prefix = u.Scheme + "://" + u.Host + escaped
	cn.query = u.RawQuery
	cn.root = decoded
	if bp := c.base.Path; bp != "/" && strings.HasPrefix(decoded, bp) {
		cn.altRoot = decoded[len(bp)-1:]
	}
	return cn
}

// User is the cloud username this Conn acts as.
func (cn *Conn) User() string { return cn.user }

// Entry is one item of a folder listing. Path is user-relative, decoded, with a leading slash.
type Entry struct {
	Path        string
	Name        string // the last element of Path; "" for the root
	Dir         bool
	Size        int64 // bytes (oc:size, for folders too, else getcontentlength); -1 when unknown
	ContentType string
	Modified    time.Time
	ETag        string // as the server sent it, quotes included
	FileID      string
	Permissions string // oc:permissions letters (S R M G D N V W C K)
	HasPreview  bool
}

// File is an open download.
type File struct {
	// Body is the live response body, guarded by an idle watchdog: a read that gets no byte for the client's
	// Timeout fails with an error matching ErrTimeout. The caller closes it.
	Body        io.ReadCloser
	Size        int64 // Content-Length, -1 when unknown
	Total       int64 // the whole file's size (from Content-Range for a partial answer), -1 when unknown
	ContentType string
	ETag        string
	Modified    time.Time
}

// cleanUserPath makes p a clean user-relative path with a leading slash.
func cleanUserPath(p string) string {
	return path.Clean("/" + p)
}

// escapePath percent-encodes each segment of a clean path (without its leading slash).
func escapePath(clean string) string {
	rel := strings.TrimPrefix(clean, "/")
	if rel == "" {
		return ""
	}
	segs := strings.Split(rel, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// davURL is the request URL of a user path.
func (cn *Conn) davURL(clean string) string {
	u := cn.prefix + escapePath(clean)
	if cn.query != "" {
		u += "?" + cn.query
	}
	return u
}

// destination is the Destination header of a user path: absolute, escaped, no query.
func (cn *Conn) destination(clean string) string {
	return cn.prefix + escapePath(clean)
}

// request makes a request authenticated with the user's token (asked for with ctx).
func (cn *Conn) request(ctx context.Context, op, method, rawURL string, body io.Reader) (*http.Request, error) {
	if cn.ts == nil {
		return nil, errorf(op, errors.New("no token source"))
	}
	tok, err := cn.ts.AccessToken(ctx)
	if err != nil {
		return nil, errorf(op, err)
	}
	req, err := http.NewRequest(method, rawURL, body)
	if err != nil {
		return nil, errorf(op, errors.New("bad request URL"))
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return req, nil
}

// ReadDir lists one folder (PROPFIND Depth 1, explicit property list) and returns the folder itself and its
// children (the folder itself excluded from children). A malformed or truncated multistatus is
// ErrInvalidResponse, never a short listing, and so is one larger than 128 MiB or nested deeper than 256 levels.
// ReadDir of a file returns the file and no children.
func (cn *Conn) ReadDir(ctx context.Context, dir string) (self Entry, children []Entry, err error) {
	clean := cleanUserPath(dir)
	entries, err := cn.propfind(ctx, "propfind "+clean, clean, "1")
	if err != nil {
		return Entry{}, nil, err
	}
	idx := 0
	if entries[0].Path != clean {
		for i := range entries {
			if entries[i].Path == clean {
				idx = i
				break
			}
		}
	}
	self = entries[idx]
	if idx == 0 {
		return self, entries[1:len(entries):len(entries)], nil
	}
	children = append(entries[:idx:idx], entries[idx+1:]...)
	return self, children, nil
}

// Stat reads one entry (PROPFIND Depth 0).
func (cn *Conn) Stat(ctx context.Context, p string) (Entry, error) {
	clean := cleanUserPath(p)
	entries, err := cn.propfind(ctx, "stat "+clean, clean, "0")
	if err != nil {
		return Entry{}, err
	}
	return entries[0], nil
}

// propfind sends one PROPFIND and parses its multistatus; the result has at least one entry.
func (cn *Conn) propfind(ctx context.Context, op, clean, depth string) ([]Entry, error) {
	if cn.davErr != nil {
		return nil, errorf(op, cn.davErr)
	}
	req, err := cn.request(ctx, op, "PROPFIND", cn.davURL(clean), strings.NewReader(propfindBody))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Depth", depth)
	req.Header.Set("Content-Type", "application/xml; charset=utf-8")
	ctx, cancel := cn.c.callContext(ctx)
	defer cancel()
	resp, err := cn.send(ctx, op, req)
	if err != nil {
		return nil, err
	}
	return cn.readMultistatus(ctx, op, req, resp, &hrefMapper{root: cn.root, altRoot: cn.altRoot}, false)
}

// readMultistatus checks and parses a 207 answer; it consumes and closes the body.
// An empty multistatus is invalid unless allowEmpty.
func (cn *Conn) readMultistatus(ctx context.Context, op string, req *http.Request, resp *http.Response,
	m *hrefMapper, allowEmpty bool) ([]Entry, error) {
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, failure(op, resp, nil)
	}
	if resp.ContentLength > cn.c.listingLimit {
		// Announced too large: refused unread (the connection is closed, not drained), so entries are never
		// pre-sized past the limit.
		_ = resp.Body.Close()
		return nil, invalid(op, resp, nil, (&cappedBody{limit: cn.c.listingLimit}).tooLarge().(*parseError).reason)
	}
	defer drain(resp.Body)
	if isHTML(resp.Header) {
		head, _ := io.ReadAll(io.LimitReader(resp.Body, msHeadLen))
		return nil, invalid(op, resp, head, "not a multistatus (an HTML page)")
	}
	body := &cappedBody{r: resp.Body, left: cn.c.listingLimit, limit: cn.c.listingLimit}
	entries, head, err := parseMultistatus(body, m, resp.ContentLength)
	if err != nil {
		var pe *parseError
		if errors.As(err, &pe) {
			e := invalid(op, resp, head, pe.reason)
			e.BrokenOff = pe.brokenOff
			return nil, e
		}
		return nil, bodyError(ctx, op, req, resp, head, err)
	}
	if len(entries) == 0 && !allowEmpty {
		return nil, invalid(op, resp, head, "empty multistatus")
	}
	return entries, nil
}

// multistatusLimit caps the body of a listing: about 270,000 entries as Nextcloud writes them, beyond any folder a
// person browses, and small enough that a broken or hostile server cannot fill the host's memory.
const multistatusLimit = 128 << 20

// cappedBody reads at most left bytes of a body; one byte more is a *parseError.
type cappedBody struct {
	r     io.Reader
	left  int64
	limit int64
}

func (c *cappedBody) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, c.tooLarge()
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	if int64(n) > c.left {
		n, c.left = int(c.left), -1
		return n, c.tooLarge()
	}
	c.left -= int64(n)
	return n, err
}

func (c *cappedBody) tooLarge() error {
	return &parseError{reason: "multistatus larger than " + strconv.FormatInt(c.limit, 10) + " bytes"}
}

// Open streams a file (GET), from offset when offset > 0 (Range). The caller closes the body.
//
// The call waits for the response headers at most the client's Timeout; after that the body is read as slowly as
// the caller likes, but a read that receives nothing for Timeout fails (a stalled server), so long downloads are
// never cut by a fixed deadline. ctx governs the whole download: cancelling it ends the body too. A server that
// ignores the Range header is an invalid response.
func (cn *Conn) Open(ctx context.Context, p string, offset int64) (*File, error) {
	clean := cleanUserPath(p)
	op := "get " + clean
	if cn.davErr != nil {
		return nil, errorf(op, cn.davErr)
	}
	if offset < 0 {
		return nil, errorf(op, errors.New("negative offset"))
	}
	req, err := cn.request(ctx, op, http.MethodGet, cn.davURL(clean), nil)
	if err != nil {
		return nil, err
	}
	if offset > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
	}
	idle := cn.c.timeout
	ctx, cancel := context.WithCancelCause(ctx)
	headerTimer := time.AfterFunc(idle, func() { cancel(&timeoutError{phase: "no answer", after: idle}) })
	resp, err := cn.send(ctx, op, req)
	if err != nil {
		headerTimer.Stop()
		cancel(nil)
		return nil, err
	}
	want := http.StatusOK
	if offset > 0 {
		want = http.StatusPartialContent
	}
	if resp.StatusCode != want {
		// The error body is read under the same timer.
		var ferr error
		if resp.StatusCode == http.StatusOK {
			drain(resp.Body)
			ferr = invalid(op, resp, nil, "the server ignored the Range header")
		} else {
			ferr = failure(op, resp, nil)
		}
		headerTimer.Stop()
		cancel(nil)
		return nil, ferr
	}
	if !headerTimer.Stop() {
		// The timer fired as the headers arrived: the context is gone, and so is the body.
		drain(resp.Body)
		cancel(nil)
		return nil, newTransportError(ctx, op, req.Method, req.URL.String(), context.Cause(ctx))
	}
	f := &File{
		Size:        resp.ContentLength,
		Total:       resp.ContentLength,
		ContentType: resp.Header.Get("Content-Type"),
		ETag:        resp.Header.Get("ETag"),
	}
	if t, err := http.ParseTime(resp.Header.Get("Last-Modified")); err == nil {
		f.Modified = t.UTC()
	}
	if offset > 0 {
		f.Total = contentRangeTotal(resp.Header.Get("Content-Range"))
	}
	w := &watchBody{body: resp.Body, idle: idle, ctx: ctx, cancel: cancel, op: op, method: req.Method,
		url: req.URL.String()}
	w.timer = time.AfterFunc(idle, func() { cancel(&timeoutError{phase: "stalled: no data", after: idle}) })
	w.timer.Stop()
	f.Body = w
	return f, nil
}

// contentRangeTotal reads the complete length of "bytes 0-3/1234"; -1 when unknown.
func contentRangeTotal(v string) int64 {
	i := strings.LastIndexByte(v, '/')
	if i < 0 {
		return -1
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v[i+1:]), 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// watchBody is a download body whose reads fail when no byte arrives for idle.
type watchBody struct {
	body   io.ReadCloser
	timer  *time.Timer
	idle   time.Duration
	ctx    context.Context // the download's own context, ended by Close or the watchdog
	cancel context.CancelCauseFunc
	op     string
	method string
	url    string
}

// Read reads from the response body, arming the watchdog for the time it waits.
func (w *watchBody) Read(p []byte) (int, error) {
	w.timer.Reset(w.idle)
	n, err := w.body.Read(p)
	w.timer.Stop()
	if err != nil && err != io.EOF {
		return n, newTransportError(w.ctx, w.op, w.method, w.url, err)
	}
	return n, err
}

// Close ends the download.
func (w *watchBody) Close() error {
	w.timer.Stop()
	err := w.body.Close()
	w.cancel(nil)
	return err
}

// Mkcol creates one folder; ErrAlreadyExists when it exists (405), ErrConflict when the parent is missing (409).
func (cn *Conn) Mkcol(ctx context.Context, p string) error {
	clean := cleanUserPath(p)
	return cn.simple(ctx, "mkcol "+clean, "MKCOL", cn.davURL(clean), nil,
		func(code int) (bool, error) {
			switch code {
			case http.StatusCreated, http.StatusOK:
				return true, nil
			case http.StatusMethodNotAllowed:
				return false, ErrAlreadyExists
			}
			return false, nil
		})
}

// Copy copies src to dst in the user's space; ErrPreconditionFailed when dst exists and overwrite is false,
// ErrConflict when dst's parent is missing, ErrLocked, ErrInsufficientStorage.
func (cn *Conn) Copy(ctx context.Context, src, dst string, overwrite bool) error {
	return cn.copyMove(ctx, "COPY", src, dst, overwrite)
}

// Move moves src to dst in the user's space; ErrPreconditionFailed when dst exists and overwrite is false,
// ErrConflict when dst's parent is missing, ErrLocked, ErrInsufficientStorage.
func (cn *Conn) Move(ctx context.Context, src, dst string, overwrite bool) error {
	return cn.copyMove(ctx, "MOVE", src, dst, overwrite)
}

func (cn *Conn) copyMove(ctx context.Context, method, src, dst string, overwrite bool) error {
	s, d := cleanUserPath(src), cleanUserPath(dst)
	ow := "F"
	if overwrite {
		ow = "T"
	}
	hdr := http.Header{"Destination": {cn.destination(d)}, "Overwrite": {ow}}
	return cn.simple(ctx, strings.ToLower(method)+" "+s+" to "+d, method, cn.davURL(s), hdr,
		func(code int) (bool, error) {
			return code == http.StatusCreated || code == http.StatusNoContent, nil
		})
}

// Delete removes a file or folder.
func (cn *Conn) Delete(ctx context.Context, p string) error {
	clean := cleanUserPath(p)
	return cn.simple(ctx, "delete "+clean, http.MethodDelete, cn.davURL(clean), nil,
		func(code int) (bool, error) {
			return code == http.StatusNoContent || code == http.StatusOK, nil
		})
}

// simple sends one bodiless WebDAV request. accept says whether a status is success, or gives it a meaning.
func (cn *Conn) simple(ctx context.Context, op, method, rawURL string, hdr http.Header,
	accept func(code int) (bool, error)) error {
	if cn.davErr != nil {
		return errorf(op, cn.davErr)
	}
	req, err := cn.request(ctx, op, method, rawURL, nil)
	if err != nil {
		return err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	ctx, cancel := cn.c.callContext(ctx)
	defer cancel()
	resp, err := cn.send(ctx, op, req)
	if err != nil {
		return err
	}
	ok, kind := accept(resp.StatusCode)
	if ok {
		drain(resp.Body)
		return nil
	}
	return failure(op, resp, kind)
}
