package browsertest

import (
	"context"
	_ "embed" // axe-core's minified source
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// AxeVersion is the version of axe-core vendored in testdata (axe.min.js from the npm package axe-core, with its
// licence files beside it).
const AxeVersion = "4.14.1"

//go:embed testdata/axe.min.js
var axeSource string

// AxeTags are the axe-core rule tags Axe runs: WCAG 2.0, 2.1 and 2.2 at levels A and AA.
const axeTags = `['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22a','wcag22aa']`

// AxeViolation is one rule the page breaks, with the elements (CSS selectors) that break it.
type AxeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// Axe runs axe-core over the page shown in ctx (injected through the DevTools protocol, so the page's
// Content-Security-Policy stays as it is) and fails the test for every WCAG A/AA violation, naming page.
func Axe(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	for _, v := range AxeRun(t, ctx, page) {
		t.Errorf("axe-core %s on %s: %s (%s impact) at %s", AxeVersion, page, v.ID, v.Impact, strings.Join(v.Nodes, ", "))
	}
}

// AxeRun runs axe-core over the page shown in ctx and returns the violations.
func AxeRun(t *testing.T, ctx context.Context, page string) []AxeViolation {
	t.Helper()
	sctx, cancel := Within(ctx, "axe-core on "+page)
	defer cancel()
	loaded, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		t.Fatalf("browsertest: axe-core on %s: %v", page, withCause(sctx, err))
	}
	if !loaded {
		if err := chromedp.Do(sctx, chromedp.Evaluate[chromedp.Void](axeSource+"\n;undefined")); err != nil {
			t.Fatalf("browsertest: load axe-core on %s: %v", page, withCause(sctx, err))
		}
	}
	vs, err := chromedp.Run(sctx, chromedp.Evaluate[[]AxeViolation](`axe.run(document, {runOnly: {type: 'tag', values: `+axeTags+`}, resultTypes: ['violations']}).then(r =>
  r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help, nodes: v.nodes.map(n => n.target.join(' '))})))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("browsertest: run axe-core on %s: %v", page, withCause(sctx, err))
	}
	return vs
}
