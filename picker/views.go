package picker

import (
	"encoding/json"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/templates"
)

// listParams turns a list query into URL pairs (defaults left out, so URLs stay short).
func listParams(q service.ListQuery) []string {
	kv := []string{"path", q.Path}
	if q.Path == "/" {
		kv = kv[:0]
	}
	if q.Sort != "" && q.Sort != service.SortName {
		kv = append(kv, "sort", q.Sort)
	}
	if q.Desc {
		kv = append(kv, "desc", "1")
	}
	if q.Filter != "" {
		kv = append(kv, "filter", q.Filter)
	}
	if q.Page > 1 {
		kv = append(kv, "page", strconv.Itoa(q.Page))
	}
	if q.Pickable != service.PickableAuto {
		kv = append(kv, "pickable", q.Pickable)
	}
	return kv
}

// link makes a navigation link for a list query: the full page URL and the fragment URL.
func (h *handler) link(s *session, label string, q service.ListQuery) templates.Link {
	kv := listParams(q)
	return templates.Link{Label: label, URL: h.url(s, "picker", kv...), HX: h.url(s, "picker.list", kv...)}
}

// listingView builds the listing region from a page of a folder.
func (h *handler) listingView(s *session, pg service.ListPage, focus bool) templates.Listing {
	q := pg.Query
	cloudName := s.cloud()
	l := templates.Listing{Focus: focus}
	for i, cr := range pg.Crumbs {
		label := cr.Name
		if i == 0 {
			label = s.t("picker.all_files")
		}
		l.Crumbs = append(l.Crumbs, h.link(s, label, service.ListQuery{Path: cr.Path, Sort: q.Sort, Desc: q.Desc}))
	}
	name := path.Base(pg.Path)
	if pg.Path == "/" {
		name = s.t("picker.all_files")
	}
	l.Heading = name
	l.FilterURL = h.env.Routes.URL("picker.search")
	l.FilterHX = h.env.Routes.URL("picker.search")
	l.Filter = q.Filter
	l.SearchValue = q.Filter
	l.FilterKeep = append(s.hidden(), templates.Hidden{Name: "path", Value: pg.Path})
	if q.Sort != "" && q.Sort != service.SortName {
		l.FilterKeep = append(l.FilterKeep, templates.Hidden{Name: "sort", Value: q.Sort})
	}
	if q.Desc {
		l.FilterKeep = append(l.FilterKeep, templates.Hidden{Name: "desc", Value: "1"})
	}
	if q.Pickable != service.PickableAuto {
		l.FilterKeep = append(l.FilterKeep, templates.Hidden{Name: "pickable", Value: q.Pickable})
	}
	l.Columns = h.columns(s, q)
	l.Rows = h.rows(s, pg.Rows, false)
	switch {
	case pg.InFolder == 0:
		l.Empty = s.t("picker.empty")
	case pg.Total == 0:
		l.Empty = s.t("picker.empty_filter", "Filter", q.Filter)
	}
	h.refusedView(s, pg, &l)
	rq0 := q
	rq0.Page = 0
	h.viewLinks(s, listParams(rq0), &l)
	l.Count = countLine(s, pg)
	if pg.Pages > 1 {
		l.PageLabel = s.t("picker.page_of", "Page", s.number(pg.Page), "Pages", s.number(pg.Pages))
		if pg.Page > 1 {
			pq := q
			pq.Page--
			p := h.link(s, s.t("picker.prev"), pq)
			l.Prev = &p
		}
		if pg.Page < pg.Pages {
			nq := q
			nq.Page++
			n := h.link(s, s.t("picker.next"), nq)
			l.Next = &n
		}
	}
	rq := q
	rq.Page = 0
	kv := append(listParams(rq), "reload", "1")
	l.ReloadURL = h.url(s, "picker", kv...)
	l.ReloadHX = h.url(s, "picker.list", kv...)
	l.Form = h.pickForm(s)
	if s.loc != nil {
		l.Fetched = s.t("picker.fetched", "Clock", s.loc.Clock(pg.Fetched), "Cloud", cloudName)
	}
	l.Announce = s.t("picker.announce", "Heading", name, "Line", l.Count)
	if l.Empty != "" {
		l.Announce = s.t("picker.announce_empty", "Heading", name, "Empty", l.Empty)
	}
	return l
}

func countLine(s *session, pg service.ListPage) string {
	switch {
	case pg.Total == 0:
		return s.t("picker.count.none")
	case pg.Pages <= 1:
		return s.t("picker.count.items", "Count", pg.Total, "N", s.number(pg.Total))
	}
	per := pg.Query.PerPage
	lo := (pg.Page-1)*per + 1
	hi := min(pg.Page*per, pg.Total)
	return s.t("picker.count.showing", "From", s.number(lo), "To", s.number(hi), "Total", s.number(pg.Total))
}

// thousands writes 10000 as 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// columns are the sortable headers; clicking the current sort reverses it.
func (h *handler) columns(s *session, q service.ListQuery) []templates.Column {
	cur := q.Sort
	if cur == "" {
		cur = service.SortName
	}
	mk := func(label, key, class string) templates.Column {
		c := templates.Column{Label: label, Class: class, Sort: "none"}
		nq := service.ListQuery{Path: q.Path, Sort: key, Filter: q.Filter, Pickable: q.Pickable}
		if cur == key {
			c.Sort = "ascending"
			if q.Desc {
				c.Sort = "descending"
			}
			nq.Desc = !q.Desc
		}
		l := h.link(s, label, nq)
		c.URL, c.HX = l.URL, l.HX
		return c
	}
	return []templates.Column{
		mk(s.t("picker.col.name"), service.SortName, "name"),
		mk(s.t("picker.col.size"), service.SortSize, "num size"),
		mk(s.t("picker.col.modified"), service.SortModified, "modified"),
	}
}

// rows turns entries into table rows.
func (h *handler) rows(s *session, rows []service.Row, search bool) []templates.FileRow {
	out := make([]templates.FileRow, 0, len(rows))
	icons := h.env.Routes.URL("static", "") + "icons.svg#i-"
	var previews previewURLs
	var iso string
	var isoAt int64
	var iconURLs []iconURL // a listing shows a few kinds of file: each icon's URL is built once
	for i, r := range rows {
		fr := templates.FileRow{
			ID:      rowID(i),
			Name:    r.Name,
			Path:    r.Path,
			Dir:     r.Dir,
			Refusal: s.words(r.Refusal),
			Short:   s.words(r.Short),
		}
		if !r.Dir || r.Size > 0 {
			fr.Size = s.size(r.Size)
		}
		if !r.Modified.IsZero() {
			fr.Modified = s.time(r.Modified)
			if sec := r.Modified.Unix(); iso == "" || sec != isoAt { // to the second: rows often share one
				iso, isoAt = r.Modified.UTC().Format(time.RFC3339), sec
			}
			fr.ISO = iso
		}
		if r.Dir {
			l := h.link(s, r.Name, service.ListQuery{Path: r.Path})
			fr.Open = &l
		}
		if search {
			fr.Where = path.Dir(r.Path)
		}
		fr.Icon, iconURLs = iconFor(iconURLs, icons, iconFamily(r.Dir, r.ContentType, r.Name))
		if r.HasPreview && !r.Dir {
			if previews.base == "" {
				previews = h.previewURLsFor(s)
			}
			fr.Preview = previews.url(r.Path, r.ETag)
		}
		out = append(out, fr)
	}
	return out
}

// rowIDs are the element ids of a page's rows ("f0", "f1"...), made once for pages of up to twice the default.
var rowIDs = func() []string {
	ids := make([]string, 2*service.DefaultPerPage)
	for i := range ids {
		ids[i] = "f" + strconv.Itoa(i)
	}
	return ids
}()

// rowID is the element id of a page's row i.
func rowID(i int) string {
	if i < len(rowIDs) {
		return rowIDs[i]
	}
	return "f" + strconv.Itoa(i)
}

// iconURL is an icon family and its URL in the sprite.
type iconURL struct{ family, url string }

// iconFor is the sprite URL of an icon family, from those built for the listing so far (added when new).
func iconFor(built []iconURL, sprite, family string) (string, []iconURL) {
	for _, b := range built {
		if b.family == family {
			return b.url, built
		}
	}
	u := sprite + family
	return u, append(built, iconURL{family, u})
}

// pickForm offers the return types the instance and the request allow, the instance's default checked.
func (h *handler) pickForm(s *session) templates.PickForm {
	f := templates.PickForm{Action: h.env.Routes.URL("picker.pick"), Hidden: s.postHidden(), Multiple: s.req.Multiple}
	cloudName := s.cloud()
	add := func(t host.ReturnType, value, label, hint string, warn bool) {
		if s.cur.Allowed.Has(t) {
			f.Options = append(f.Options, templates.ReturnOption{Value: value, Label: label, Hint: hint, Checked: s.cur.Default == t, Warning: warn})
		}
	}
	if s.req.Mode == host.ModeURL {
		add(host.ReturnLink, "link", s.t("picker.as.public_link"), s.t("picker.as.public_link.hint"), true)
		f.Submit = s.t("picker.submit.link")
		return f
	}
	add(host.ReturnImport, "import", s.t("picker.as.import"), s.t("picker.as.import.hint", "Cloud", cloudName), false)
	add(host.ReturnLink, "link", s.t("picker.as.link"), s.t("picker.as.link.hint"), true)
	add(host.ReturnControlledLink, "controlled", s.t("picker.as.controlled"), s.t("picker.as.controlled.hint", "Cloud", cloudName), false)
	f.Submit = s.t("picker.submit.file")
	if s.req.Multiple {
		f.Submit = s.t("picker.submit.files")
	}
	return f
}

// requirements says what the page accepts.
func requirements(s *session) string {
	req := s.req
	acc := service.NewAcceptor(req)
	var parts []string
	if d := acc.Describe(); len(d) > 0 {
		parts = append(parts, s.words(service.Msg("picker.req.accepted", "Types", d)))
	}
	if req.MaxBytes > 0 {
		parts = append(parts, s.t("picker.req.max", "Size", s.size(req.MaxBytes)))
	}
	if req.Multiple {
		parts = append(parts, s.t("picker.req.several"))
	}
	return strings.Join(parts, " ")
}

// statusView turns an import job into the status box.
func (h *handler) statusView(s *session, j store.ImportJob) templates.PickStatus {
	st := templates.PickStatus{ID: j.ID, Name: s.stored(j.Name), Done: j.Done, Total: j.Total, State: string(j.State),
		Error: s.stored(j.Error), Hidden: s.postHidden()}
	switch j.State {
	case store.ImportRunning:
		st.PollURL = h.with(s, h.env.Routes.URL("picker.import", j.ID))
		st.CancelURL = h.env.Routes.URL("picker.import.cancel", j.ID)
		if j.Total > 0 {
			st.Percent = int(j.Done * 100 / j.Total)
			st.Progress = s.t("picker.progress", "Done", s.size(j.Done), "Total", s.size(j.Total), "Percent", s.number(st.Percent))
		} else {
			st.Progress = s.t("picker.progress.so_far", "Done", s.size(j.Done))
		}
	case store.ImportFailed:
		st.Announce = s.t("picker.import.failed_say", "Error", st.Error)
	case store.ImportCancelled:
		st.Announce = s.t("picker.import.cancelled_say")
	}
	return st
}

// resultView describes a finished pick and how it goes back to the host.
func (h *handler) resultView(s *session, res host.PickResult) templates.PickResultView {
	v := templates.PickResultView{Public: res.Type == host.ReturnLink}
	for _, f := range res.Files {
		pf := templates.PickedFileView{Name: f.Name, URL: f.URL, DownloadURL: f.DownloadURL}
		if f.Size > 0 {
			pf.Size = s.size(f.Size)
		}
		v.Files = append(v.Files, pf)
	}
	switch res.Type {
	case host.ReturnImport:
		v.Title = s.t("picker.result.copied", "Count", len(res.Files), "N", s.number(len(res.Files)), "Cloud", s.cloud())
	case host.ReturnLink:
		v.Title = s.t("picker.result.link_ready")
	case host.ReturnControlledLink:
		v.Title = s.t("picker.result.controlled_ready")
	}
	b, _ := json.Marshal(pickedJSON(res))
	v.JSON = string(b)
	if s.req.ReturnTo != "" {
		back := h.env.SafeReturn(s.req.ReturnTo, "")
		if back != "" {
			v.ReturnURL = web.WithQuery(back, "pick", res.ID)
			// A link's result carries a warning worth reading; other picks go straight back.
			v.AutoReturn = res.Type != host.ReturnLink
		}
	}
	return v
}

// picked is the JSON the host receives (HX-Trigger detail and postMessage).
type picked struct {
	ID    string            `json:"id"`
	Type  string            `json:"type"`
	Files []host.PickedFile `json:"files"`
}

func pickedJSON(res host.PickResult) picked {
	return picked{ID: res.ID, Type: res.Type.String(), Files: res.Files}
}
