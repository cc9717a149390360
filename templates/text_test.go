package templates

import (
	"context"
	"strings"
	"testing"
)

// TestTextIsEscapedAsAnExpression: a row's text written by text reads exactly as { s } writes it, escaped for HTML.
func TestTextIsEscapedAsAnExpression(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]string{
		"file-00001.txt":             "file-00001.txt",
		`<script>"a" & 'b'</script>`: "&lt;script&gt;&#34;a&#34; &amp; &#39;b&#39;&lt;/script&gt;",
		"1,5 MB · 5. März":           "1,5 MB · 5. März",
		"":                           "",
	} {
		var b strings.Builder
		if err := text(s).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		if b.String() != want {
			t.Errorf("text(%q) wrote %q, want %q", s, b.String(), want)
		}
	}
}
