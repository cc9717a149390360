package service

import (
	"errors"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/store"
)

// metrics are the service's Prometheus collectors. They exist whether or not the host asked for metrics (counting
// costs next to nothing) and are registered only on the host's registerer: nothing is registered globally. Label
// values come from fixed sets, or are an issuer's numeric ID (the admin registers a handful of issuers): never a user,
// a path or a link.
type metrics struct {
	cloudRequests   *prometheus.CounterVec   // issuer, operation, outcome
	cloudDuration   *prometheus.HistogramVec // issuer, operation
	refreshes       *prometheus.CounterVec   // issuer, outcome
	tokensRefused   *prometheus.CounterVec   // issuer
	loginsStarted   *prometheus.CounterVec   // issuer
	loginsCompleted *prometheus.CounterVec   // issuer
	loginsFailed    *prometheus.CounterVec   // cause
	importsStarted  prometheus.Counter
	importsEnded    *prometheus.CounterVec // outcome
	importBytes     prometheus.Counter
	importDuration  prometheus.Histogram
	listingHits     prometheus.Counter
	listingMisses   prometheus.Counter
	revalidations   *prometheus.CounterVec // outcome
	controlled      *prometheus.CounterVec // event
	checks          *prometheus.CounterVec // issuer, result
	healthProbes    *prometheus.CounterVec // issuer, outcome
}

// The outcomes of a token refresh.
const (
	refreshOK            = "ok"
	refreshRefused       = "refused"        // the cloud refused the refresh token: the user logs in again
	refreshClientRefused = "client_refused" // the cloud refused the site's OAuth client (invalid_client)
	refreshFailed        = "failed"         // no usable answer (down, throttled, invalid reply)
	refreshNotStored     = "not_stored"     // refreshed, but the new pair could not be stored
)

// The outcomes of revalidating an expired listing by its folder's etag.
const (
	revalidationRenewed = "renewed"           // same etag: the listing is served again (one Depth 0 PROPFIND)
	revalidationChanged = "changed"           // another etag, or one that can no longer be trusted: listed again
	revalidationFailed  = "failed"            // the Depth 0 PROPFIND failed or was refused: listed again
	revalidationNot     = "not_revalidatable" // no etag, a share or a mount: listed again without asking first
)

// The events of an access controlled link.
const (
	controlledCreated   = "created"
	controlledOpened    = "opened"
	controlledSubmitted = "submitted"
)

func newMetrics() *metrics {
	issuer := []string{"issuer"}
	return &metrics{
		cloudRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocrepo_cloud_requests_total",
			Help: "Requests sent to cloud servers, by issuer ID, operation and outcome.",
		}, []string{"issuer", "operation", "outcome"}),
		cloudDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ocrepo_cloud_request_duration_seconds",
			Help:    "Time until a cloud server's response headers arrived (or the request failed), by issuer ID and operation.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"issuer", "operation"}),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocrepo_token_refreshes_total",
			Help: "Refresh tokens presented to a cloud, by issuer ID and outcome (ok, refused, client_refused, failed, not_stored).",
		}, []string{"issuer", "outcome"}),
		tokensRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocrepo_access_tokens_refused_total",
			Help: "Access tokens a cloud refused (HTTP 401) before their known expiry, by issuer ID.",
		}, issuer),
		loginsStarted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocrepo_logins_started_total",
			Help: "Logins to a cloud started (the user was sent to the authorize page), by issuer ID.",
		}, issuer),
		loginsCompleted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocrepo_logins_completed_total",
			Help: "Logins to a cloud completed (token stored), by issuer ID.",
		}, issuer),
		loginsFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocrepo_logins_failed_total",
			Help: "Login callbacks that did not complete a login, by cause.",
		}, []string{"cause"}),
		importsStarted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ocrepo_imports_started_total",
			Help: "Imports started (one per pick, of one or more files).",
		}),
		importsEnded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocrepo_imports_ended_total",
			Help: "Imports ended, by outcome (completed, failed, cancelled).",
		}, []string{"outcome"}),
		importBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ocrepo_import_bytes_total",
			Help: "Bytes streamed from clouds into the host's file sink by imports (failed ones included).",
		}),
		importDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ocrepo_import_duration_seconds",
			Help:    "Time from an import's start to its end, whatever the outcome.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600},
		}),
		listingHits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ocrepo_listing_cache_hits_total",
			Help: "Folder pages served from a recent listing, without asking the cloud.",
		}),
		listingMisses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ocrepo_listing_cache_misses_total",
			Help: "Folder pages that asked the cloud (first visit, expired listing or reload).",
		}),
		revalidations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocrepo_listing_revalidations_total",
			Help: "Expired listings revalidated by their folder's etag, by outcome (renewed; changed, failed or not_revalidatable: listed again).",
		}, []string{"outcome"}),
		controlled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocrepo_controlled_links_total",
			Help: "Access controlled link events: created, opened (by a viewer allowed to), submitted (locked).",
		}, []string{"event"}),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocrepo_connection_checks_total",
			Help: "Connection checks run by admins, by issuer ID and result (passed, warning, failed).",
		}, []string{"issuer", "result"}),
		healthProbes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ocrepo_health_probes_total",
			Help: "status.php probes made for the health report, by issuer ID and outcome.",
		}, []string{"issuer", "outcome"}),
	}
}

// collectors lists every collector, for registration.
func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.cloudRequests, m.cloudDuration, m.refreshes, m.tokensRefused, m.loginsStarted,
		m.loginsCompleted, m.loginsFailed, m.importsStarted, m.importsEnded, m.importBytes, m.importDuration,
		m.listingHits, m.listingMisses, m.revalidations, m.controlled, m.checks, m.healthProbes}
}

// register registers every collector on reg.
func (m *metrics) register(reg prometheus.Registerer) error {
	for _, c := range m.collectors() {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

func issuerLabel(id int64) string { return strconv.FormatInt(id, 10) }

// observer is the cloud.Observer of one issuer's clients: it counts and times requests, and tells the health
// tracker that the cloud answered (or did not).
func (s *Service) observer(issuerID int64) cloud.Observer {
	label := issuerLabel(issuerID)
	return cloud.ObserverFunc(func(o cloud.RequestObservation) {
		s.metrics.cloudRequests.WithLabelValues(label, o.Operation, o.Outcome()).Inc()
		s.metrics.cloudDuration.WithLabelValues(label, o.Operation).Observe(o.Duration.Seconds())
		s.health.saw(issuerID, o, s.now())
	})
}

// importEnded counts an import's end.
func (m *metrics) importEnded(state store.ImportState) {
	outcome := "failed"
	switch state {
	case store.ImportDone:
		outcome = "completed"
	case store.ImportCancelled:
		outcome = "cancelled"
	}
	m.importsEnded.WithLabelValues(outcome).Inc()
}

// checkResult is the one word a connection check's result is counted under.
func checkResult(d Diagnosis) string {
	switch {
	case d.Count(CheckFailed) > 0:
		return "failed"
	case d.Count(CheckWarning) > 0:
		return "warning"
	}
	return "passed"
}

// countLogin counts a finished login callback: completed, or failed by its LoginError kind ("internal" for
// anything else: the store, an unknown issuer).
func (s *Service) countLogin(done LoginDone, err error) {
	if err == nil {
		s.metrics.loginsCompleted.WithLabelValues(issuerLabel(done.IssuerID)).Inc()
		return
	}
	cause := "internal"
	var le *LoginError
	if errors.As(err, &le) {
		cause = string(le.Kind)
	}
	s.metrics.loginsFailed.WithLabelValues(cause).Inc()
}

// countRefresh counts a refresh the cloud did not grant.
func (s *Service) countRefresh(issuerID int64, err error) {
	outcome := refreshFailed
	switch {
	case errors.Is(err, ErrClientRefused):
		outcome = refreshClientRefused
	case errors.Is(err, cloud.ErrLoginAgain):
		outcome = refreshRefused
	}
	s.metrics.refreshes.WithLabelValues(issuerLabel(issuerID), outcome).Inc()
}

// countRefreshStored counts a refresh the cloud granted, stored or not.
func (s *Service) countRefreshStored(issuerID int64, err error) {
	outcome := refreshOK
	if err != nil {
		outcome = refreshNotStored
	}
	s.metrics.refreshes.WithLabelValues(issuerLabel(issuerID), outcome).Inc()
}

// countControlled counts an access controlled link event.
func (s *Service) countControlled(event string, n int) {
	s.metrics.controlled.WithLabelValues(event).Add(float64(n))
}
