// Package templates holds ocrepo's pages and htmx fragments as templ components, and the assets they need
// (htmx, the stylesheet, the small script that opens login popups and hands picks to the host), embedded.
//
// Components take view models only and never reach into the store or the cloud; the handlers in packages admin
// and picker build the view models. Every component that a test looks for carries a data-testid attribute.
// The generated *_templ.go files are committed; regenerate them with `go tool templ generate -path templates` (from the module root).
package templates

import (
	"embed"
	"io/fs"
)

//go:embed static
var staticFiles embed.FS

// Static returns the embedded assets: htmx.min.js (htmx 2.0.8, BSD Zero-Clause licence in htmx.LICENSE),
// ocrepo.css and ocrepo.js.
func Static() fs.FS {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err) // the folder is embedded at build time; it cannot be missing
	}
	return sub
}
