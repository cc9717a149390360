package admin

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/templates"
)

// auditPageSize is how many audit entries one page shows.
const auditPageSize = 50

// auditList shows one page of the audit trail, newest first.
func (h *handler) auditList(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	p, err := h.svc.Audit(c.Request().Context(), page, auditPageSize)
	if err != nil {
		return h.failed(c, "audit trail", err)
	}
	v := templates.AuditList{Frame: h.frame(c, "Audit trail", sectionAudit), Page: p.Page}
	base := h.env.Routes.URL("admin.audit")
	if p.Page > 1 {
		v.Prev = base
		if p.Page > 2 {
			v.Prev = web.WithQuery(base, "page", strconv.Itoa(p.Page-1))
		}
	}
	if p.HasNext {
		v.Next = web.WithQuery(base, "page", strconv.Itoa(p.Page+1))
	}
	for _, e := range p.Entries {
		v.Rows = append(v.Rows, templates.AuditRow{
			At: e.At.UTC().Format("2006-01-02 15:04:05 UTC"), ISO: e.At.UTC().Format("2006-01-02T15:04:05Z"),
			Actor: e.Actor, Action: e.Action, Target: e.Target, Detail: e.Detail,
		})
	}
	return h.env.Render(c, http.StatusOK, templates.AuditListPage(v))
}
