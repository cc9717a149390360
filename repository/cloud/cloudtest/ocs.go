package cloudtest

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// OCS status codes.
const (
	ocsOKv1         = 100
	ocsOKv2         = 200
	ocsUnauthorised = 997
	ocsNotFound     = 998
	ocsServerError  = 996
)

// authKind is how a request tried to authenticate.
type authKind int

const (
	authNone authKind = iota
	authBearer
	authBasic
)

// authenticate checks the Authorization header: a bearer token, or Basic with a password or an access token
// (Nextcloud's OAuth tokens are app passwords). It returns the user and how the request authenticated.
func (s *Server) authenticate(r *http.Request) (string, authKind, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", authNone, false
	}
	scheme, cred, _ := strings.Cut(h, " ")
	switch strings.ToLower(scheme) {
	case "bearer":
		u, ok := s.userForToken(strings.TrimSpace(cred))
		return u, authBearer, ok
	case "basic":
		login, password, ok := r.BasicAuth()
		if !ok {
			return "", authBasic, false
		}
		if u, ok := s.checkPassword(login, password); ok {
			return u, authBasic, true
		}
		if u, ok := s.userForToken(password); ok && u == login {
			return u, authBasic, true
		}
		return "", authBasic, false
	}
	return "", authNone, false
}

// ocsRequest is how an OCS request wants its answer.
type ocsRequest struct {
	v2   bool
	json bool
}

// ocsFormat reads the version from the path and the format from ?format= or Accept (XML by default).
func ocsFormat(r *http.Request) ocsRequest {
	o := ocsRequest{v2: strings.Contains(r.URL.Path, "/ocs/v2.php/")}
	switch strings.ToLower(r.URL.Query().Get("format")) {
	case "json":
		o.json = true
	case "xml":
	default:
		o.json = strings.Contains(strings.ToLower(r.Header.Get("Accept")), "application/json")
	}
	return o
}

// ocsAuth authenticates an OCS call; on failure it answers 997 and returns false.
func (s *Server) ocsAuth(w http.ResponseWriter, r *http.Request, o ocsRequest) (string, bool) {
	u, kind, ok := s.authenticate(r)
	if !ok {
		s.ocsFail(w, o, ocsUnauthorised, "Current user is not logged in")
		return "", false
	}
	if kind == authBearer && s.flavor.Has(cloud.QuirkOCSAPIRequestForBearer) && !strings.EqualFold(r.Header.Get("OCS-APIRequest"), "true") {
		s.ocsFail(w, o, ocsUnauthorised, "CSRF check failed")
		return "", false
	}
	return u, true
}

// ocsOK answers success with data.
func (s *Server) ocsOK(w http.ResponseWriter, o ocsRequest, data any) {
	code := ocsOKv1
	if o.v2 {
		code = ocsOKv2
	}
	s.ocsWrite(w, o, code, "OK", data)
}

// ocsFail answers a failure with empty data.
func (s *Server) ocsFail(w http.ResponseWriter, o ocsRequest, code int, message string) {
	s.ocsWrite(w, o, code, message, list{})
}

// ocsHTTPStatus maps an OCS status code to the HTTP status of the envelope.
func ocsHTTPStatus(o ocsRequest, code int) int {
	if code == ocsUnauthorised {
		return http.StatusUnauthorized
	}
	if !o.v2 {
		return http.StatusOK
	}
	switch {
	case code == ocsOKv1 || code == ocsOKv2:
		return http.StatusOK
	case code == ocsNotFound:
		return http.StatusNotFound
	case code == ocsServerError || code == 999:
		return http.StatusInternalServerError
	case code < 200 || code > 600:
		return http.StatusBadRequest
	}
	return code
}

// ocsWrite renders the envelope in the requested format.
func (s *Server) ocsWrite(w http.ResponseWriter, o ocsRequest, code int, message string, data any) {
	status := "ok"
	if code != ocsOKv1 && code != ocsOKv2 {
		status = "failure"
	}
	meta := obj{{"status", status}, {"statuscode", code}, {"message", message}}
	if !o.v2 {
		meta = append(meta, kv{"totalitems", ""}, kv{"itemsperpage", ""})
	}
	env := obj{{"meta", meta}, {"data", data}}
	var body []byte
	if o.json {
		b, err := json.Marshal(obj{{"ocs", env}})
		if err != nil {
			http.Error(w, "cloudtest: encode OCS reply", http.StatusInternalServerError)
			return
		}
		body = b
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	} else {
		var buf bytes.Buffer
		buf.WriteString("<?xml version=\"1.0\"?>\n<ocs>\n")
		writeXMLValue(&buf, env, 1)
		buf.WriteString("</ocs>\n")
		body = buf.Bytes()
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("Cache-Control", "no-cache, no-store, must-revalidate")
	w.WriteHeader(ocsHTTPStatus(o, code))
	_, _ = w.Write(body)
}

// serveOCSUnknown answers an OCS route the server does not have.
func (s *Server) serveOCSUnknown(w http.ResponseWriter, r *http.Request, _ string) {
	o := ocsFormat(r)
	s.ocsFail(w, o, ocsNotFound, "Invalid query, please check the syntax. API specifications are here: http://www.freedesktop.org/wiki/Specifications/open-collaboration-services.")
}

// kv is one member of an ordered object.
type kv struct {
	K string
	V any
}

// obj is a JSON object (XML element) whose members keep their order.
type obj []kv

// set replaces the value of member k.
func (o obj) set(k string, v any) {
	for i := range o {
		if o[i].K == k {
			o[i].V = v
			return
		}
	}
}

// list is a JSON array (XML <element> items).
type list []any

// MarshalJSON writes the members in order.
func (o obj) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := json.Marshal(m.K)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		v, err := json.Marshal(m.V)
		if err != nil {
			return nil, fmt.Errorf("cloudtest: encode %q: %w", m.K, err)
		}
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// MarshalJSON writes an empty list as [] rather than null.
func (l list) MarshalJSON() ([]byte, error) {
	if l == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]any(l))
}

// writeXMLValue renders the members of v as child elements, the way Nextcloud's OCS XML writer does: lists as
// <element>, null as an empty element, true as 1 and false as nothing.
func writeXMLValue(buf *bytes.Buffer, v any, depth int) {
	switch t := v.(type) {
	case obj:
		for _, m := range t {
			writeXMLElement(buf, m.K, m.V, depth)
		}
	case list:
		for _, e := range t {
			writeXMLElement(buf, "element", e, depth)
		}
	case []string:
		for _, e := range t {
			writeXMLElement(buf, "element", e, depth)
		}
	}
}

func writeXMLElement(buf *bytes.Buffer, name string, v any, depth int) {
	indent := strings.Repeat(" ", depth)
	switch t := v.(type) {
	case obj, list, []string:
		if isEmptyContainer(t) {
			fmt.Fprintf(buf, "%s<%s/>\n", indent, name)
			return
		}
		fmt.Fprintf(buf, "%s<%s>\n", indent, name)
		writeXMLValue(buf, t, depth+1)
		fmt.Fprintf(buf, "%s</%s>\n", indent, name)
		return
	case nil:
		fmt.Fprintf(buf, "%s<%s/>\n", indent, name)
		return
	}
	text := scalarText(v)
	if text == "" {
		fmt.Fprintf(buf, "%s<%s></%s>\n", indent, name, name)
		return
	}
	fmt.Fprintf(buf, "%s<%s>", indent, name)
	_ = xml.EscapeText(buf, []byte(text))
	fmt.Fprintf(buf, "</%s>\n", name)
}

func isEmptyContainer(v any) bool {
	switch t := v.(type) {
	case obj:
		return len(t) == 0
	case list:
		return len(t) == 0
	case []string:
		return len(t) == 0
	}
	return false
}

// scalarText renders a scalar as PHP's XML writer would.
func scalarText(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case bool:
		if t {
			return "1"
		}
		return ""
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}
