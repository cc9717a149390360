package repositorytest

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"
)

// TestBudget is how long a test using a Host may take, from New, before its requests through the Host's clients
// fail on their own: a change that makes a handler hang fails the test in this time, naming the request, instead
// of stalling the package until go test's -timeout. Options.Budget sets another for one Host.
const TestBudget = 2 * time.Minute

// timeoutMargin is kept free before go test's own -timeout, so a test's deadline fires first and the test fails
// with its own message rather than a dump of every goroutine.
const timeoutMargin = 5 * time.Second

// Deadline returns a context for a test's waits that ends budget from now (a little earlier when go test's
// -timeout comes first) or when the test ends. Its cause names the test and the budget; Await reports it.
// Benchmarks get no budget, only the end of the benchmark.
func Deadline(t testing.TB, budget time.Duration) context.Context {
	t.Helper()
	at, ok := deadlineOf(t, budget)
	if !ok {
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		return ctx
	}
	ctx, cancel := context.WithDeadlineCause(context.Background(), at,
		fmt.Errorf("repositorytest: %s ran past its own deadline of %s", t.Name(), time.Until(at).Round(time.Second)))
	t.Cleanup(cancel)
	return ctx
}

// deadlineOf is when a test given budget from now must end: budget from now, or timeoutMargin before go test's
// -timeout, whichever is first. Benchmarks have none (ok false).
func deadlineOf(t testing.TB, budget time.Duration) (time.Time, bool) {
	dt, isTest := t.(interface{ Deadline() (time.Time, bool) })
	if !isTest {
		return time.Time{}, false
	}
	at := time.Now().Add(budget)
	if suite, ok := dt.Deadline(); ok && suite.Add(-timeoutMargin).Before(at) {
		at = suite.Add(-timeoutMargin)
	}
	return at, true
}

// Await receives one value from ch. When ctx ends first (see Deadline), the test fails at once, saying what it
// was waiting for and why it stopped.
func Await[T any](t testing.TB, ctx context.Context, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-ctx.Done():
		t.Fatalf("repositorytest: still waiting for %s: %v", what, context.Cause(ctx))
	}
	var zero T
	return zero
}

// withCause adds why ctx ended to err, when it did.
func withCause(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
		return fmt.Errorf("%w (%w)", err, cause)
	}
	return err
}

// closeWait is how long the end of a test waits for the host's requests still running.
const closeWait = 10 * time.Second

// closeServer closes srv, which waits for every request still being served. A request that outlives its test by
// closeWait (a handler that hangs while a browser keeps the connection open) fails the test instead of blocking
// it, and of the cleanups after it, until go test's -timeout.
func closeServer(t testing.TB, srv *httptest.Server) {
	done := make(chan struct{})
	go func() {
		srv.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeWait):
		srv.CloseClientConnections()
		t.Errorf("repositorytest: a request to the host was still running %s after the test ended", closeWait)
	}
}
