package service

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/store"
)

// HealthState is how an issuer's cloud looks from here.
type HealthState string

// The health states.
const (
	HealthUp       HealthState = "up"       // the cloud answered recently
	HealthDegraded HealthState = "degraded" // it answers, but throttles us or is in maintenance
	HealthDown     HealthState = "down"     // its last answer was a 5xx, or none came
	HealthUnknown  HealthState = "unknown"  // nothing seen, and the probe could not be made
)

// IssuerHealth is one issuer's cloud as ocrepo saw it: from the requests it made anyway, plus at most one
// status.php probe per interval when it made none. Nothing in it is a secret.
type IssuerHealth struct {
	IssuerID   int64
	IssuerName string
	State      HealthState
	// LastAnswer is when the cloud last answered (any status below 500); zero when never.
	LastAnswer time.Time
	// LastSeen is when the last request ended, however it ended; zero when none was made.
	LastSeen time.Time
	// LastOutcome is how the last request ended (a cloud.Outcome constant); "" when none was made.
	LastOutcome string
	// LastOperation is what the last request was for (see cloud.RequestObservation.Operation).
	LastOperation string
	// Requests and Failures count the requests seen since this process started, and those without an answer or
	// with a 5xx.
	Requests, Failures int64
	// Probed is when ocrepo last read status.php for this report; zero when the traffic made it unnecessary.
	Probed time.Time
	// Maintenance is what status.php said at the last probe.
	Maintenance bool
}

// DefaultHealthInterval is how recent an answer must be to count, and how often at most Health probes an issuer.
const DefaultHealthInterval = time.Minute

// healthTracker keeps what this process saw of each issuer's cloud.
type healthTracker struct {
	mu     sync.Mutex
	seen   map[int64]*issuerSeen
	probes singleflight.Group
}

type issuerSeen struct {
	lastAnswer, lastSeen, probed time.Time
	lastOutcome, lastOp          string
	requests, failures           int64
	maintenance                  bool
}

func newHealthTracker() *healthTracker { return &healthTracker{seen: map[int64]*issuerSeen{}} }

// saw records one observed request. A request its caller gave up on says nothing about the cloud: it is counted,
// and changes nothing else.
func (h *healthTracker) saw(issuerID int64, o cloud.RequestObservation, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	is := h.entry(issuerID)
	is.requests++
	if o.Outcome() == cloud.OutcomeCancelled {
		return
	}
	is.lastSeen, is.lastOutcome, is.lastOp = now, o.Outcome(), o.Operation
	if o.Answered() {
		is.lastAnswer = now
	} else {
		is.failures++
	}
}

func (h *healthTracker) entry(issuerID int64) *issuerSeen {
	is := h.seen[issuerID]
	if is == nil {
		is = &issuerSeen{}
		h.seen[issuerID] = is
	}
	return is
}

// snapshot copies what was seen of an issuer.
func (h *healthTracker) snapshot(issuerID int64) issuerSeen {
	h.mu.Lock()
	defer h.mu.Unlock()
	if is := h.seen[issuerID]; is != nil {
		return *is
	}
	return issuerSeen{}
}

// Health reports each issuer's cloud. An issuer whose cloud this process heard from (or probed) within the
// health interval costs nothing; for the others it reads status.php once, shared by concurrent callers (and the
// result, good or bad, stands for the interval), in parallel across issuers.
func (s *Service) Health(ctx context.Context) ([]IssuerHealth, error) {
	interval := s.cfg.HealthInterval
	issuers, err := s.store.ListIssuers(ctx)
	if err != nil {
		return nil, fmt.Errorf("service: health: %w", err)
	}
	out := make([]IssuerHealth, len(issuers))
	var wg sync.WaitGroup
	for i, iss := range issuers {
		wg.Go(func() { out[i] = s.issuerHealth(ctx, iss, interval) })
	}
	wg.Wait()
	slices.SortFunc(out, func(a, b IssuerHealth) int { return int(a.IssuerID - b.IssuerID) })
	return out, nil
}

func (s *Service) issuerHealth(ctx context.Context, iss store.Issuer, interval time.Duration) IssuerHealth {
	now := s.now()
	seen := s.health.snapshot(iss.ID)
	recent := func(t time.Time) bool { return !t.IsZero() && now.Sub(t) < interval }
	if !recent(seen.lastSeen) && !recent(seen.probed) {
		// Nothing recent: one probe, shared by whoever asks meanwhile.
		_, _, _ = s.health.probes.Do(issuerLabel(iss.ID), func() (any, error) {
			s.probe(ctx, iss)
			return nil, nil
		})
		seen = s.health.snapshot(iss.ID)
	}
	h := IssuerHealth{IssuerID: iss.ID, IssuerName: iss.Name, LastAnswer: seen.lastAnswer, LastSeen: seen.lastSeen,
		LastOutcome: seen.lastOutcome, LastOperation: seen.lastOp, Requests: seen.requests, Failures: seen.failures,
		Probed: seen.probed, Maintenance: seen.maintenance}
	switch {
	case seen.lastSeen.IsZero():
		h.State = HealthUnknown
	case seen.lastOutcome == cloud.OutcomeThrottled || (seen.maintenance && seen.lastOp == "status"):
		h.State = HealthDegraded
	case seen.lastAnswer.Equal(seen.lastSeen):
		h.State = HealthUp
	default:
		h.State = HealthDown
	}
	return h
}

// probe reads the issuer's status.php through an observed client, so the answer lands in the tracker; the probe's
// time stands for the interval even when the issuer's settings are unusable (no probe then).
func (s *Service) probe(ctx context.Context, iss store.Issuer) {
	outcome := "not_made"
	defer func() {
		s.metrics.healthProbes.WithLabelValues(issuerLabel(iss.ID), outcome).Inc()
	}()
	c, err := s.clientFor(iss)
	var st cloud.Status
	if err == nil {
		// The probe outlives a caller that gives up: others may be waiting for it.
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.Timeout)
		st, err = c.Status(pctx)
		cancel()
		outcome = "ok"
		if err != nil {
			outcome = "failed"
			s.log.WarnContext(ctx, "ocrepo: health probe", "issuer", iss.ID, "err", err)
		}
	}
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	is := s.health.entry(iss.ID)
	is.probed = s.now()
	is.maintenance = err == nil && st.Maintenance
}
