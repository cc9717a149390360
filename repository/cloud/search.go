package cloud

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// searchBody is the WebDAV SEARCH (RFC 5323 basicsearch) request Nextcloud's files backend understands: the
// listing's properties, the user's whole tree as scope, a case-insensitive LIKE on the name, and a result limit.
func searchBody(user, query string, limit int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>`)
	b.WriteString(`<d:searchrequest xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">`)
	b.WriteString(`<d:basicsearch><d:select><d:prop>`)
	b.WriteString(propList)
	b.WriteString(`</d:prop></d:select><d:from><d:scope><d:href>`)
	// The scope is a path below the search arbiter, used as it is: SearchDAV does not percent-decode it, so the
	// username goes in raw (XML-escaped).
	_ = xml.EscapeText(&b, []byte("/files/"+user))
	b.WriteString(`</d:href><d:depth>infinity</d:depth></d:scope></d:from>`)
	b.WriteString(`<d:where><d:like><d:prop><d:displayname/></d:prop><d:literal>%`)
	_ = xml.EscapeText(&b, []byte(query))
	b.WriteString(`%</d:literal></d:like></d:where><d:orderby/>`)
	if limit > 0 {
		b.WriteString(`<d:limit><d:nresults>`)
		b.WriteString(strconv.Itoa(limit))
		b.WriteString(`</d:nresults></d:limit>`)
	}
	b.WriteString(`</d:basicsearch></d:searchrequest>`)
	return b.String()
}

// Search finds files whose name contains query anywhere under the user's root (WebDAV SEARCH, Nextcloud);
// ErrUnsupported when the server does not offer it (ownCloud 10 answers 501; 405 and 400 mean the same).
// limit > 0 caps the results (the server's default is 100). '%' and '_' in query act as wildcards.
func (cn *Conn) Search(ctx context.Context, query string, limit int) ([]Entry, error) {
	op := "search " + strconv.Quote(query)
	if cn.user == "" {
		return nil, errorf(op, errors.New("the cloud username is unknown"))
	}
	base := cn.c.base
	endpoint := base.Scheme + "://" + base.Host + base.EscapedPath() + "remote.php/dav/"
	req, err := cn.request(ctx, op, "SEARCH", endpoint, strings.NewReader(searchBody(cn.user, query, limit)))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	ctx, cancel := cn.c.callContext(ctx)
	defer cancel()
	resp, err := cn.send(ctx, op, req)
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusMethodNotAllowed, http.StatusNotImplemented, http.StatusBadRequest:
		return nil, failure(op, resp, ErrUnsupported)
	}
	root := base.Path + "remote.php/dav/files/" + cn.user + "/"
	m := &hrefMapper{root: root}
	if base.Path != "/" {
		m.altRoot = "/remote.php/dav/files/" + cn.user + "/"
	}
	entries, err := cn.readMultistatus(ctx, op, req, resp, m, true)
	if err != nil {
		return nil, err
	}
	out := entries[:0]
	for _, e := range entries {
		if e.Path != "/" {
			out = append(out, e)
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
