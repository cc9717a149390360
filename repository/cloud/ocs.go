package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Share types and permission bits of the OCS share API.
const (
	ShareUser   = 0
	ShareGroup  = 1
	SharePublic = 3

	PermRead   = 1
	PermUpdate = 2
	PermCreate = 4
	PermDelete = 8
	PermShare  = 16
	PermAll    = 31
)

// ocsBodyLimit caps an OCS reply.
const ocsBodyLimit = 4 << 20

// xmlDepthLimit caps the nesting of an OCS XML reply.
const xmlDepthLimit = 64

// ShareRequest creates a share.
type ShareRequest struct {
	Path        string // user-relative with a leading slash
	ShareType   int
	ShareWith   string
	Permissions int // 0: server default
	Password    string
	ExpireDate  time.Time // zero: none; sent as YYYY-MM-DD
}

// Share is one share as the OCS API reports it.
type Share struct {
	ID                   string
	ShareType            int
	Owner                string
	OwnerDisplayName     string
	FileOwner            string // uid_file_owner: who owns the file (differs from Owner for reshares)
	Permissions          int
	Path                 string // owner-relative
	ItemType             string // "file" / "folder"
	MimeType             string
	FileTarget           string // where the recipient sees it; in a create reply only the name asked for, not an address
	ItemSource           string // item_source: the id of the shared file or folder (its oc:fileid)
	FileSource           string // file_source: the same id on current servers
	ShareWith            string // the recipient of user and group shares
	ShareWithDisplayName string
	Token                string
	URL                  string // public links
	Expiration           time.Time
	Created              time.Time // stime
	HasPassword          bool
}

// DownloadURL is URL + "/download" for public links ("" when the share has no URL).
func (s Share) DownloadURL() string {
	if s.URL == "" {
		return ""
	}
	return strings.TrimSuffix(s.URL, "/") + "/download"
}

// ocsEnvelope is a parsed OCS reply.
type ocsEnvelope struct {
	status  string
	code    int
	message string
	data    any // JSON: map[string]any, []any, json.Number, string, bool or nil; XML: map[string]any, []any or string
}

// ok reports whether the OCS status code is a success (100 for v1, 200 for v2).
func (e *ocsEnvelope) ok() bool { return e.code == 100 || e.code == 200 }

// errNotEnvelope is a body that is not an OCS envelope.
var errNotEnvelope = errors.New("not an OCS envelope")

// parseDoc decodes a JSON object or an XML document into generic values (XML elements with child elements become
// maps, <element> children lists, leaves strings).
func parseDoc(body []byte) (map[string]any, error) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 {
		return nil, errors.New("empty body")
	}
	switch b[0] {
	case '{':
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var doc map[string]any
		if err := d.Decode(&doc); err != nil {
			return nil, errors.New("malformed JSON")
		}
		if _, err := d.Token(); err != io.EOF {
			return nil, errors.New("malformed JSON: data after the object")
		}
		return doc, nil
	case '<':
		return parseXMLDoc(b)
	}
	return nil, errors.New("neither JSON nor XML")
}

// parseXMLDoc converts an XML document into {rootName: value}.
func parseXMLDoc(b []byte) (map[string]any, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, errors.New("malformed XML")
		}
		if se, ok := tok.(xml.StartElement); ok {
			v, err := xmlValue(d, 1)
			if err != nil {
				return nil, err
			}
			return map[string]any{se.Name.Local: v}, nil
		}
	}
}

// xmlValue reads the content of the element just started.
func xmlValue(d *xml.Decoder, depth int) (any, error) {
	if depth > xmlDepthLimit {
		return nil, errors.New("XML nested too deeply")
	}
	var text []byte
	var m map[string]any
	var list []any
	isList := false
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, errors.New("malformed XML")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			v, err := xmlValue(d, depth+1)
			if err != nil {
				return nil, err
			}
			if t.Name.Local == "element" {
				isList = true
				list = append(list, v)
				continue
			}
			if m == nil {
				m = make(map[string]any)
			}
			m[t.Name.Local] = v
		case xml.CharData:
			text = append(text, t...)
		case xml.EndElement:
			switch {
			case isList:
				if list == nil {
					list = []any{}
				}
				return list, nil
			case m != nil:
				return m, nil
			}
			return string(text), nil
		}
	}
}

// parseOCS parses an OCS envelope in JSON or XML.
func parseOCS(body []byte) (*ocsEnvelope, error) {
	doc, err := parseDoc(body)
	if err != nil {
		return nil, err
	}
	return envelopeOf(doc)
}

// envelopeOf finds ocs.meta and ocs.data in a decoded document.
func envelopeOf(doc map[string]any) (*ocsEnvelope, error) {
	ocs, ok := doc["ocs"].(map[string]any)
	if !ok {
		return nil, errNotEnvelope
	}
	meta, ok := ocs["meta"].(map[string]any)
	if !ok {
		return nil, errNotEnvelope
	}
	code, ok := intOf(meta["statuscode"])
	if !ok {
		return nil, errNotEnvelope
	}
	return &ocsEnvelope{
		status:  stringOf(meta["status"]),
		code:    code,
		message: stringOf(meta["message"]),
		data:    ocs["data"],
	}, nil
}

// stringOf renders a scalar: strings as they are, numbers in decimal, booleans as true/false; others "".
func stringOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return ""
}

// intOf reads an integer given as a number or a numeric string.
func intOf(v any) (int, bool) {
	s := strings.TrimSpace(stringOf(v))
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int64(f)) || f > 1<<31-1 || f < -(1<<31) {
			return 0, false
		}
		return int(f), true
	}
	return int(n), true
}

// shareOf reads one share object.
func shareOf(v any) (Share, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return Share{}, false
	}
	s := Share{
		ID:                   strings.TrimSpace(stringOf(m["id"])),
		Owner:                stringOf(m["uid_owner"]),
		OwnerDisplayName:     stringOf(m["displayname_owner"]),
		FileOwner:            stringOf(m["uid_file_owner"]),
		Path:                 stringOf(m["path"]),
		ItemType:             stringOf(m["item_type"]),
		MimeType:             stringOf(m["mimetype"]),
		FileTarget:           stringOf(m["file_target"]),
		ItemSource:           strings.TrimSpace(stringOf(m["item_source"])),
		FileSource:           strings.TrimSpace(stringOf(m["file_source"])),
		ShareWith:            stringOf(m["share_with"]),
		ShareWithDisplayName: stringOf(m["share_with_displayname"]),
		Token:                stringOf(m["token"]),
		URL:                  stringOf(m["url"]),
		Expiration:           parseOCSDate(stringOf(m["expiration"])),
	}
	if s.ID == "" {
		return Share{}, false
	}
	s.ShareType, _ = intOf(m["share_type"])
	s.Permissions, _ = intOf(m["permissions"])
	if st, ok := intOf(m["stime"]); ok && st > 0 {
		s.Created = time.Unix(int64(st), 0).UTC()
	}
	if s.ShareType == SharePublic {
		// Link shares carry the password hash in share_with (and, newer, in password): never a recipient.
		s.HasPassword = s.ShareWith != "" || stringOf(m["password"]) != ""
		s.ShareWith = ""
		s.ShareWithDisplayName = ""
	} else {
		s.HasPassword = stringOf(m["password"]) != ""
	}
	return s, true
}

// sharesOf reads the data of a share list: a list, one object, or nothing.
func sharesOf(data any) ([]Share, error) {
	switch d := data.(type) {
	case nil, string:
		if s, ok := d.(string); ok && strings.TrimSpace(s) != "" {
			return nil, errors.New("share data is text")
		}
		return []Share{}, nil
	case []any:
		out := make([]Share, 0, len(d))
		for _, v := range d {
			s, ok := shareOf(v)
			if !ok {
				return nil, errors.New("share without id")
			}
			out = append(out, s)
		}
		return out, nil
	case map[string]any:
		if len(d) == 0 {
			return []Share{}, nil
		}
		s, ok := shareOf(d)
		if !ok {
			return nil, errors.New("share without id")
		}
		return []Share{s}, nil
	}
	return nil, errors.New("share data of an unexpected type")
}

// parseOCSDate reads "YYYY-MM-DD 00:00:00" or "YYYY-MM-DD"; anything else is the zero time.
func parseOCSDate(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.DateTime, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// ocsURL is the share endpoint with suffix appended to its path, params added, and format=json unless the
// endpoint names a format.
func (c *Client) ocsURL(suffix string, params url.Values) string {
	u := *c.ocs
	if suffix != "" {
		u.RawPath = strings.TrimSuffix(u.EscapedPath(), "/") + "/" + url.PathEscape(suffix)
		u.Path = strings.TrimSuffix(u.Path, "/") + "/" + suffix
	}
	q := u.Query()
	if q.Get("format") == "" {
		q.Set("format", "json")
	}
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// ocsCall sends one OCS request and returns its successful envelope. kind gives a failure a call-specific meaning.
func (cn *Conn) ocsCall(ctx context.Context, op, method, rawURL string, form url.Values,
	kind func(e *StatusError) error) (*ocsEnvelope, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := cn.request(ctx, op, method, rawURL, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("OCS-APIRequest", "true")
	req.Header.Set("Accept", "application/json, application/xml;q=0.9")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	ctx, cancel := cn.c.callContext(ctx)
	defer cancel()
	resp, err := cn.send(ctx, op, req)
	if err != nil {
		return nil, err
	}
	return readOCS(ctx, op, req, resp, kind)
}

// readOCS reads an OCS reply and decides success from meta.statuscode. It consumes and closes the body.
func readOCS(ctx context.Context, op string, req *http.Request, resp *http.Response,
	kind func(e *StatusError) error) (*ocsEnvelope, error) {
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return nil, failure(op, resp, nil)
	}
	raw, err := readLimited(resp.Body, ocsBodyLimit+1)
	if err != nil {
		return nil, bodyError(ctx, op, req, resp, raw, err)
	}
	if len(raw) > ocsBodyLimit {
		return nil, invalid(op, resp, raw, "reply too large")
	}
	statusErr := func(code int, msg string) error {
		e := &StatusError{
			Op:             op,
			StatusCode:     resp.StatusCode,
			OCSCode:        code,
			Message:        cleanMessage(msg),
			BearerRejected: bearerRejected(resp.StatusCode, resp.Header, raw),
			RetryAfter:     retryAfter(resp.Header, time.Now()),
		}
		if kind != nil {
			e.kind = kind(e)
		}
		return e
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		if resp.StatusCode >= 400 {
			return nil, statusErr(0, "")
		}
		return nil, invalid(op, resp, raw, "empty body, not an OCS envelope")
	}
	env, err := parseOCS(raw)
	if err != nil {
		reason := "not an OCS envelope"
		if !errors.Is(err, errNotEnvelope) {
			reason += " (" + err.Error() + ")"
		}
		return nil, invalid(op, resp, raw, reason)
	}
	if !env.ok() {
		return nil, statusErr(env.code, env.message)
	}
	return env, nil
}

// CreateShare creates a share. The server may answer with an existing share (Nextcloud 34 for a repeated user
// share); a 403 "already shared" is ErrAlreadyShared, other 403s ErrForbidden; 404 (wrong path, unknown
// recipient, bad date) is ErrNotFound; a 429 (the per-user share creation limit) is ErrThrottled.
func (cn *Conn) CreateShare(ctx context.Context, r ShareRequest) (Share, error) {
	clean := cleanUserPath(r.Path)
	op := "create share of " + clean
	form := url.Values{
		"path":      {clean},
		"shareType": {strconv.Itoa(r.ShareType)},
	}
	if r.ShareWith != "" {
		form.Set("shareWith", r.ShareWith)
	}
	if r.Permissions > 0 {
		form.Set("permissions", strconv.Itoa(r.Permissions))
	}
	if r.Password != "" {
		form.Set("password", r.Password)
	}
	if !r.ExpireDate.IsZero() {
		form.Set("expireDate", r.ExpireDate.Format(time.DateOnly))
	}
	env, err := cn.ocsCall(ctx, op, http.MethodPost, cn.c.ocsURL("", nil), form, func(e *StatusError) error {
		if (e.OCSCode == 403 || e.OCSCode == 0 && e.StatusCode == 403) &&
			strings.Contains(strings.ToLower(e.Message), "already shared") {
			return ErrAlreadyShared
		}
		return nil
	})
	if err != nil {
		return Share{}, err
	}
	shares, err := sharesOf(env.data)
	if err != nil || len(shares) == 0 {
		return Share{}, &InvalidResponseError{Op: op, StatusCode: http.StatusOK, Reason: "the reply holds no share"}
	}
	return shares[0], nil
}

// SharesOf lists the shares of a path (reshares=true: also those others made of the user's file).
func (cn *Conn) SharesOf(ctx context.Context, p string) ([]Share, error) {
	clean := cleanUserPath(p)
	op := "list shares of " + clean
	u := cn.c.ocsURL("", url.Values{"path": {clean}, "reshares": {"true"}})
	env, err := cn.ocsCall(ctx, op, http.MethodGet, u, nil, nil)
	if err != nil {
		return nil, err
	}
	shares, err := sharesOf(env.data)
	if err != nil {
		return nil, &InvalidResponseError{Op: op, StatusCode: http.StatusOK, Reason: err.Error()}
	}
	return shares, nil
}

// GetShare reads one share (the API answers with a list of one).
func (cn *Conn) GetShare(ctx context.Context, id string) (Share, error) {
	op := "get share " + id
	if strings.TrimSpace(id) == "" {
		return Share{}, errorf(op, errors.New("empty share id"))
	}
	env, err := cn.ocsCall(ctx, op, http.MethodGet, cn.c.ocsURL(id, nil), nil, nil)
	if err != nil {
		return Share{}, err
	}
	shares, err := sharesOf(env.data)
	if err != nil {
		return Share{}, &InvalidResponseError{Op: op, StatusCode: http.StatusOK, Reason: err.Error()}
	}
	if len(shares) == 0 {
		return Share{}, errorf(op, ErrNotFound)
	}
	return shares[0], nil
}

// DeleteShare removes a share.
func (cn *Conn) DeleteShare(ctx context.Context, id string) error {
	op := "delete share " + id
	if strings.TrimSpace(id) == "" {
		return errorf(op, errors.New("empty share id"))
	}
	_, err := cn.ocsCall(ctx, op, http.MethodDelete, cn.c.ocsURL(id, nil), nil, nil)
	return err
}
