package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestOperatorEndpoints: the demo serves ocrepo's metrics from its own registry and each cloud's health, and shows
// site admins the way to the health panel.
func TestOperatorEndpoints(t *testing.T) {
	t.Parallel()
	d := startDemo(t, Options{}, "")
	anon := d.signIn(t, "alice")

	status, body := anon.get(t, "/healthz")
	var doc struct {
		Status  string `json:"status"`
		Issuers []struct {
			Issuer string `json:"issuer"`
			State  string `json:"state"`
		} `json:"issuers"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("healthz: %d %q: %v", status, body, err)
	}
	if status != http.StatusOK || doc.Status != "ok" || len(doc.Issuers) != 1 || doc.Issuers[0].State != "up" {
		t.Fatalf("healthz: %d %s", status, body)
	}

	status, body = anon.get(t, "/metrics")
	if status != http.StatusOK {
		t.Fatalf("metrics: %d", status)
	}
	for _, want := range []string{
		`ocrepo_cloud_requests_total{issuer="1",operation="status",outcome="ok"} 1`,
		`ocrepo_health_probes_total{issuer="1",outcome="ok"} 1`,
		"go_goroutines ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	dana := d.signIn(t, "dana")
	if _, page := dana.get(t, "/"); !strings.Contains(page, `data-testid="nav-health"`) {
		t.Error("the site admin's navigation has no link to the health panel")
	}
	if status, page := dana.get(t, "/cloud/admin/health"); status != http.StatusOK || !strings.Contains(page, `data-state="up"`) {
		t.Errorf("health panel: %d", status)
	}
	if _, page := anon.get(t, "/"); strings.Contains(page, `data-testid="nav-health"`) {
		t.Error("a student sees the link to the health panel")
	}
}
