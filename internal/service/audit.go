package service

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/ocrepo/ocrepo/store"
)

// AuditPage is one page of the audit trail, newest first.
type AuditPage struct {
	Entries []store.AuditEntry
	Page    int // 1-based
	PerPage int
	HasNext bool
}

// Audit returns page (1-based) of the audit trail with perPage entries (0 means 50).
func (s *Service) Audit(ctx context.Context, page, perPage int) (AuditPage, error) {
	if page < 1 {
		page = 1
	}
	if perPage <= 0 {
		perPage = 50
	}
	// Bounded so that the offset cannot overflow whatever page number a URL carries.
	page = min(page, math.MaxInt32/perPage)
	// One entry more than the page tells whether a next page exists without counting the table.
	entries, err := s.store.ListAudit(ctx, store.AuditFilter{Limit: perPage + 1, Offset: (page - 1) * perPage})
	if err != nil {
		return AuditPage{}, fmt.Errorf("service: list audit: %w", err)
	}
	p := AuditPage{Page: page, PerPage: perPage, Entries: entries}
	if len(entries) > perPage {
		p.Entries, p.HasNext = entries[:perPage], true
	}
	return p, nil
}

// AuditDetail is an audit entry's detail as stored words (StoreMessages): the messages this version records, a
// failed login's kind as a message, or the plain words of an entry an older version wrote, to be shown as they are.
func AuditDetail(e store.AuditEntry) string {
	if kind, ok := strings.CutPrefix(e.Detail, loginFailedDetail); ok && e.Action == auditLoginFailed {
		return StoreMessages(Msg("audit.login_failed", "Kind", kind))
	}
	return e.Detail
}
