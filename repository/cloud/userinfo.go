package cloud

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// resolveBudget bounds the backtracking of one dash-path lookup.
const resolveBudget = 1000

// UserInfo is who the token belongs to.
type UserInfo struct {
	Username string // mapped; falls back to Email when the mapping yields nothing
	Email    string
	Name     string
	Raw      map[string]any
}

// UserInfo reads the userinfo endpoint and applies the field mappings. A reply that names neither a username nor
// an e-mail address is an invalid response (the mappings do not fit the server).
func (cn *Conn) UserInfo(ctx context.Context) (UserInfo, error) {
	const op = "userinfo"
	req, err := cn.request(ctx, op, http.MethodGet, cn.c.userinfo.String(), nil)
	if err != nil {
		return UserInfo{}, err
	}
	req.Header.Set("OCS-APIRequest", "true")
	req.Header.Set("Accept", "application/json, application/xml;q=0.9")
	ctx, cancel := cn.c.callContext(ctx)
	defer cancel()
	resp, err := cn.send(ctx, op, req)
	if err != nil {
		return UserInfo{}, err
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return UserInfo{}, failure(op, resp, nil)
	}
	raw, err := readLimited(resp.Body, ocsBodyLimit+1)
	if err != nil {
		return UserInfo{}, bodyError(ctx, op, req, resp, raw, err)
	}
	if len(raw) > ocsBodyLimit {
		return UserInfo{}, invalid(op, resp, raw, "reply too large")
	}
	doc, perr := parseDoc(raw)
	var env *ocsEnvelope
	if perr == nil {
		env, _ = envelopeOf(doc)
	}
	if env != nil && !env.ok() || resp.StatusCode >= 400 {
		if perr != nil && len(strings.TrimSpace(string(raw))) > 0 && isHTML(resp.Header) {
			return UserInfo{}, invalid(op, resp, raw, "not a userinfo reply")
		}
		e := &StatusError{
			Op:             op,
			StatusCode:     resp.StatusCode,
			BearerRejected: bearerRejected(resp.StatusCode, resp.Header, raw),
			RetryAfter:     retryAfter(resp.Header, time.Now()),
		}
		if env != nil {
			e.OCSCode = env.code
			e.Message = cleanMessage(env.message)
		} else {
			e.Message = cleanMessage(serverMessage(raw))
		}
		return UserInfo{}, e
	}
	if perr != nil {
		return UserInfo{}, invalid(op, resp, raw, "not a userinfo reply ("+perr.Error()+")")
	}
	ui := MapUserInfo(doc, cn.c.mappings)
	if ui.Username == "" {
		return UserInfo{}, invalid(op, resp, raw, "the field mappings find neither a username nor an e-mail address")
	}
	return ui, nil
}

// MapUserInfo applies mappings to a decoded userinfo JSON document (exported for fuzzing and the admin preview).
//
// A mapping's key is a path into the document with its steps joined by dashes ("ocs-data-id" is ocs.data.id);
// since keys may themselves contain dashes ("display-name"), each step takes the longest key present at that level
// that the path continues with, falling back to shorter ones. Lists are stepped into by index ("groups-0").
// Mapping values are "username", "email" or "name"; when several paths map to one field, the first in sorted order
// with a value wins. The username falls back to the e-mail address when its mapping finds nothing. nil mappings
// are DefaultMappings.
func MapUserInfo(doc map[string]any, mappings map[string]string) UserInfo {
	if mappings == nil {
		mappings = DefaultMappings()
	}
	ui := UserInfo{Raw: doc}
	paths := make([]string, 0, len(mappings))
	for p := range mappings {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		budget := resolveBudget
		v, ok := resolveDashPath(doc, p, &budget)
		if !ok {
			continue
		}
		s := strings.TrimSpace(scalarString(v))
		if s == "" {
			continue
		}
		switch mappings[p] {
		case FieldUsername:
			if ui.Username == "" {
				ui.Username = s
			}
		case FieldEmail:
			if ui.Email == "" {
				ui.Email = s
			}
		case FieldName:
			if ui.Name == "" {
				ui.Name = s
			}
		}
	}
	if ui.Username == "" {
		ui.Username = ui.Email
	}
	return ui
}

// resolveDashPath finds the value at a dash path, longest keys first.
func resolveDashPath(v any, p string, budget *int) (any, bool) {
	*budget--
	if *budget < 0 {
		return nil, false
	}
	switch x := v.(type) {
	case map[string]any:
		if val, ok := x[p]; ok {
			return val, true
		}
		for i := len(p) - 1; i >= 0; i-- {
			if p[i] != '-' {
				continue
			}
			next, ok := x[p[:i]]
			if !ok {
				continue
			}
			if val, ok := resolveDashPath(next, p[i+1:], budget); ok {
				return val, true
			}
			if *budget < 0 {
				return nil, false
			}
		}
	case []any:
		for i := len(p); i > 0; i-- {
			if i < len(p) && p[i] != '-' {
				continue
			}
			n, err := strconv.Atoi(p[:i])
			if err != nil || n < 0 || n >= len(x) || strconv.Itoa(n) != p[:i] {
				continue
			}
			if i == len(p) {
				return x[n], true
			}
			if val, ok := resolveDashPath(x[n], p[i+1:], budget); ok {
				return val, true
			}
		}
	}
	return nil, false
}

// scalarString renders a JSON scalar; objects, lists and null are "".
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return ""
}
