package main

import "testing"

// TestSizesAreWrittenLikeThePicker: the demo's pages write sizes the way ocrepo's picker does (999 B, 1.5 KB,
// 50 MB), so a student sees one size written one way on both.
func TestSizesAreWrittenLikeThePicker(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{
		0: "0 B", 999: "999 B", 1023: "1023 B", 1024: "1 KB", 1536: "1.5 KB", 1051: "1.0 KB", 20 << 10: "20 KB",
		50 << 20: "50 MB", 3 << 29: "1.5 GB",
	} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}
