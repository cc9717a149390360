package cloud

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// SharesWithMe lists the user shares the connection's user received (GET shares?shared_with_me=true). Their
// FileTarget is where each share is really mounted, which may differ from the create reply's (a recipient who
// already has "x.txt" sees a new share as "x (2).txt").
func (cn *Conn) SharesWithMe(ctx context.Context) ([]Share, error) {
	op := "list shares with me"
	env, err := cn.ocsCall(ctx, op, http.MethodGet, cn.c.ocsURL("", url.Values{"shared_with_me": {"true"}}), nil, nil)
	if err != nil {
		return nil, err
	}
	shares, err := sharesOf(env.data)
	if err != nil {
		return nil, &InvalidResponseError{Op: op, StatusCode: http.StatusOK, Reason: err.Error()}
	}
	return shares, nil
}

// SameFileID reports whether two file ids (an oc:fileid and a share's item_source) name the same file. Empty ids
// match nothing; leading zeros do not count.
func SameFileID(a, b string) bool {
	a, b = strings.TrimLeft(strings.TrimSpace(a), "0"), strings.TrimLeft(strings.TrimSpace(b), "0")
	return a != "" && a == b
}
