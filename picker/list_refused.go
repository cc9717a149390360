package picker

import (
	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/templates"
)

// refusedView says once for the page why some files cannot be picked, and offers the "only files I can pick"
// toggle (on by default when most of the folder is refused, which the page then says).
func (h *handler) refusedView(s *session, pg service.ListPage, l *templates.Listing) {
	if pg.Refused == 0 {
		return
	}
	q := pg.Query
	q.Page = 0
	r := &templates.RefusedNote{Only: pg.OnlyPickable}
	switch {
	case pg.Refused == pg.Files:
		r.Text = s.t("picker.refused.all", "Count", pg.Files, "N", s.number(pg.Files))
	default:
		r.Text = s.t("picker.refused.some", "Count", pg.Files, "N", s.number(pg.Files), "Refused", s.number(pg.Refused))
	}
	if !pg.Explain.IsZero() {
		r.Text = s.t("picker.refused.note", "Note", r.Text, "Accepts", s.words(pg.Explain))
	}
	if pg.OnlyPickable {
		if q.Pickable == service.PickableAuto {
			r.Auto = s.t("picker.refused.auto")
		}
		q.Pickable = service.PickableAll
		r.Toggle = h.link(s, s.t("picker.refused.show_all", "Count", pg.Files, "N", s.number(pg.Files)), q)
	} else {
		q.Pickable = service.PickableOnly
		r.Toggle = h.link(s, s.t("picker.refused.show_pickable"), q)
	}
	l.Refused = r
	if pg.OnlyPickable && pg.Total == 0 && pg.InFolder > 0 {
		l.Empty = s.t("picker.refused.empty")
	}
}
