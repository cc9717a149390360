package service

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameBytes bounds a file name handed to the host (most file systems stop at 255 bytes).
const maxNameBytes = 255

// SafeFileName is the name a file is handed to the host's FileSink under: the cloud's name with every character
// that could mislead a person or a file system replaced by "_": control characters (C0, DEL, C1), Unicode format
// characters (bidirectional overrides and isolates such as U+202E, which make "exe.txt" read as "txt.exe";
// zero-width characters; the byte order mark), line and paragraph separators, bytes that are not UTF-8, slashes
// and backslashes. Leading and trailing spaces and dots go, the name "." or ".." becomes "_", an empty name
// "file", and a name over 255 bytes is shortened keeping its extension. Everything else (accents, CJK, emoji,
// spaces inside) stays.
func SafeFileName(name string) string {
	var b strings.Builder
	for i, r := range name {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(name[i:]); size <= 1 {
				b.WriteByte('_')
				continue
			}
		}
		switch {
		case r == '/' || r == '\\':
			b.WriteByte('_')
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r),
			unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r):
			b.WriteByte('_')
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	out := strings.Trim(b.String(), " .")
	switch out {
	case "":
		if strings.Trim(name, " .") == "" && name != "" {
			return "_"
		}
		return "file"
	}
	if len(out) > maxNameBytes {
		ext := path.Ext(out)
		if len(ext) > 32 {
			ext = ""
		}
		stem := out[:maxNameBytes-len(ext)]
		for !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		out = stem + ext
	}
	return out
}
