package service

import (
	"context"
	"testing"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
)

// TestHealthTrackerReadsOutcomes: an answer (a 401 included) is an answer; a 5xx and no answer are failures; a
// request its caller gave up on is counted and changes nothing else.
func TestHealthTrackerReadsOutcomes(t *testing.T) {
	t.Parallel()
	h := newHealthTracker()
	t0 := time.Date(2030, 1, 1, 8, 0, 0, 0, time.UTC)
	h.saw(1, cloud.RequestObservation{Operation: "webdav_propfind", StatusCode: 207}, t0)
	h.saw(1, cloud.RequestObservation{Operation: "webdav_get", Err: context.Canceled}, t0.Add(time.Second))
	is := h.snapshot(1)
	if is.requests != 2 || is.failures != 0 || is.lastOutcome != cloud.OutcomeOK || !is.lastSeen.Equal(t0) || !is.lastAnswer.Equal(t0) {
		t.Fatalf("after an answer and a cancelled request: %+v", is)
	}
	h.saw(1, cloud.RequestObservation{Operation: "webdav_propfind", StatusCode: 401}, t0.Add(2*time.Second))
	if is = h.snapshot(1); is.failures != 0 || !is.lastAnswer.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("a 401 is an answer: %+v", is)
	}
	h.saw(1, cloud.RequestObservation{Operation: "webdav_get", StatusCode: 503}, t0.Add(3*time.Second))
	h.saw(1, cloud.RequestObservation{Operation: "token", Err: context.DeadlineExceeded}, t0.Add(4*time.Second))
	if is = h.snapshot(1); is.failures != 2 || is.lastOutcome != cloud.OutcomeTimeout || !is.lastAnswer.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("after a 503 and a timeout: %+v", is)
	}
	if other := h.snapshot(2); other.requests != 0 {
		t.Fatalf("another issuer saw %d requests", other.requests)
	}
}
