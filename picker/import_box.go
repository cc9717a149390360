package picker

import (
	"context"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/templates"
)

// importBox is an import's status box whatever its state: a finished import carries its result (the pick that
// goes back to the host), returned too so the caller can fire the picked event. An import can end before the
// page that started it is written, so every view of one goes through here.
func (h *handler) importBox(ctx context.Context, s *session, j store.ImportJob) (templates.PickStatus, *host.PickResult) {
	st := h.statusView(s, j)
	if j.State != store.ImportDone {
		return st, nil
	}
	res, err := h.svc.PickResult(ctx, s.user.ID, j.ResultID)
	if err != nil {
		h.env.LogError(ctx, "read pick result", "job", j.ID, "err", err)
		st.State, st.Error = "failed", s.t("picker.import.result_unread")
		return st, nil
	}
	rv := h.resultView(s, res)
	st.Result = &rv
	st.Announce = rv.Title
	return st, &res
}
