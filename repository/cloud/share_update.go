package cloud

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// UpdateShare sets a share's permissions (PUT shares/{id}; the API changes one field per call). The server adds
// read and strips create and delete on files, as on creation.
func (cn *Conn) UpdateShare(ctx context.Context, id string, permissions int) (Share, error) {
	op := "update share " + id
	if strings.TrimSpace(id) == "" {
		return Share{}, errorf(op, errors.New("empty share id"))
	}
	form := url.Values{"permissions": {strconv.Itoa(permissions)}}
	env, err := cn.ocsCall(ctx, op, http.MethodPut, cn.c.ocsURL(id, nil), form, nil)
	if err != nil {
		return Share{}, err
	}
	shares, err := sharesOf(env.data)
	if err != nil || len(shares) == 0 {
		// Some versions answer an update with empty data; the update itself succeeded.
		return Share{ID: id, Permissions: permissions}, nil
	}
	return shares[0], nil
}

// Revoke asks the server to delete the app password behind the connection's token (Nextcloud:
// DELETE ocs/v2.php/core/apppassword), so that a logout here also ends the login there. ErrUnsupported when the
// server has no such endpoint or refuses it for tokens of this kind.
func (cn *Conn) Revoke(ctx context.Context) error {
	u := *cn.c.base
	u.Path = strings.TrimSuffix(u.Path, "/") + "/ocs/v2.php/core/apppassword"
	u.RawPath = ""
	u.RawQuery = "format=json"
	_, err := cn.ocsCall(ctx, "revoke token", http.MethodDelete, u.String(), nil, nil)
	if err == nil {
		return nil
	}
	var se *StatusError
	if errors.As(err, &se) && (se.StatusCode == http.StatusNotFound || se.StatusCode == http.StatusForbidden ||
		se.StatusCode == http.StatusMethodNotAllowed || se.OCSCode == 403 || se.OCSCode == 404 || se.OCSCode == 998) {
		return errors.Join(ErrUnsupported, err)
	}
	return err
}
