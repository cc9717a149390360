package service

import (
	"strings"
	"testing"
)

func TestSafeFileName(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"Prüfung 1 (final) ✓.pdf", "Prüfung 1 (final) ✓.pdf"},
		{"evil\u202Etxt.exe", "evil_txt.exe"},
		{"a\u2066b\u2069c\u200Fd\u200Be\uFEFFf.txt", "a_b_c_d_e_f.txt"},
		{"line\nbreak\r\x00\x1b[31m.txt", "line_break___[31m.txt"},
		{"del\x7f\u0085.txt", "del__.txt"},
		{`..\..\windows\system32.dll`, `_.._windows_system32.dll`},
		{"tab\there.txt", "tab_here.txt"},
		{"no\u00a0break.txt", "no break.txt"},
		{"  .hidden. ", "hidden"},
		{"..", "_"},
		{"", "file"},
		{"bad\xffutf8.txt", "bad_utf8.txt"},
		{"sep\u2028para\u2029.txt", "sep_para_.txt"},
	} {
		if got := SafeFileName(tt.in); got != tt.want {
			t.Errorf("SafeFileName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := SafeFileName(strings.Repeat("é", 200) + ".pdf")
	if len(long) > maxNameBytes || !strings.HasSuffix(long, ".pdf") || !strings.HasPrefix(long, "éé") {
		t.Errorf("long name: %d bytes %q", len(long), long[len(long)-10:])
	}
}
