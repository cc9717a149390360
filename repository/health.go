package repository

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/ocrepo/ocrepo/internal/service"
)

// IssuerHealth is one cloud server as ocrepo sees it (see Repository.Health).
type IssuerHealth = service.IssuerHealth

// HealthState is how a cloud server looks from here: up, degraded, down or unknown.
type HealthState = service.HealthState

// The health states.
const (
	HealthUp       = service.HealthUp
	HealthDegraded = service.HealthDegraded
	HealthDown     = service.HealthDown
	HealthUnknown  = service.HealthUnknown
)

// Health says for every registered cloud server whether it answered recently and how. It is built from the requests
// ocrepo made anyway (in this process); a server it has not heard from within Config.HealthInterval gets one
// status.php request, shared by every caller meanwhile, and that answer stands for the interval. Calling Health
// often therefore adds no load on the clouds. Nothing in the result is a secret.
func (r *Repository) Health(ctx context.Context) ([]IssuerHealth, error) {
	h, err := r.svc.Health(ctx)
	if err != nil {
		return nil, fmt.Errorf("repository: %w", err)
	}
	return h, nil
}

// healthJSON is one issuer in HealthHandler's answer.
type healthJSON struct {
	IssuerID    int64      `json:"issuer_id"`
	Issuer      string     `json:"issuer"`
	State       string     `json:"state"`
	LastAnswer  *time.Time `json:"last_answer,omitempty"`
	LastSeen    *time.Time `json:"last_seen,omitempty"`
	LastOutcome string     `json:"last_outcome,omitempty"`
	Requests    int64      `json:"requests"`
	Failures    int64      `json:"failures"`
	Probed      *time.Time `json:"probed,omitempty"`
	Maintenance bool       `json:"maintenance,omitempty"`
}

// HealthHandler serves Health as JSON ({"status": "ok"|"degraded", "issuers": [...]}), with status 200 when every
// cloud is up and 503 when any is down, degraded or unknown, for a load balancer or a monitoring probe. Mount it
// behind the host's own access rules: it names the registered cloud servers.
func (r *Repository) HealthHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		hs, err := r.Health(req.Context())
		if err != nil {
			r.cfg.Logger.ErrorContext(req.Context(), "ocrepo: health", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`{"status":"error","error":"the database did not answer"}` + "\n"))
			return
		}
		out := struct {
			Status  string       `json:"status"`
			Issuers []healthJSON `json:"issuers"`
		}{Status: "ok", Issuers: make([]healthJSON, 0, len(hs))}
		for _, h := range hs {
			if h.State != HealthUp {
				out.Status = "degraded"
			}
			out.Issuers = append(out.Issuers, healthJSON{IssuerID: h.IssuerID, Issuer: h.IssuerName, State: string(h.State),
				LastAnswer: timePtr(h.LastAnswer), LastSeen: timePtr(h.LastSeen), LastOutcome: h.LastOutcome,
				Requests: h.Requests, Failures: h.Failures, Probed: timePtr(h.Probed), Maintenance: h.Maintenance})
		}
		if out.Status != "ok" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(out)
	})
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
