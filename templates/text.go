package templates

import (
	"context"
	"io"

	"github.com/a-h/templ"
)

// text writes a string escaped, as { s } does, without first copying it through fmt.Sprint (templ's
// JoinStringErrs): a listing writes four of them in each of its rows.
type text string

// Render writes t escaped for HTML text.
func (t text) Render(_ context.Context, w io.Writer) error {
	_, err := io.WriteString(w, templ.EscapeString(string(t)))
	return err
}
