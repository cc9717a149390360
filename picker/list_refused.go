package picker

import (
	"fmt"

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
		r.Text = fmt.Sprintf("None of the %s here can be used on this page.", plural(pg.Files, "file", "files"))
	default:
		r.Text = fmt.Sprintf("%s of the %s here cannot be used on this page.", thousands(pg.Refused), plural(pg.Files, "file", "files"))
	}
	if pg.Explain != "" {
		r.Text += " " + pg.Explain
	}
	if pg.OnlyPickable {
		if q.Pickable == service.PickableAuto {
			r.Auto = "Most files in this folder cannot be used here, so only the ones you can pick are shown."
		}
		q.Pickable = service.PickableAll
		r.Toggle = h.link(s, fmt.Sprintf("Show all %s", plural(pg.Files, "file", "files")), q)
	} else {
		q.Pickable = service.PickableOnly
		r.Toggle = h.link(s, "Show only files I can pick", q)
	}
	l.Refused = r
	if pg.OnlyPickable && pg.Total == 0 && pg.InFolder > 0 {
		l.Empty = "No file in this folder can be used on this page."
	}
}
