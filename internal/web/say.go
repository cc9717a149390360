package web

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/i18n"
	"github.com/ocrepo/ocrepo/internal/service"
)

// Say puts a service message in the user's language. Its parameters are written for the language: numbers in
// its digits (a "Count" also picks the plural form, and comes to the message written out as "N"), sizes and
// waits in its words, times in its words and the user's time zone, nested messages said first. A message that begins with the words of a nested message without
// parameters (a cloud without a name of its own: "the cloud did not answer") starts with a capital letter; one
// that begins with a name (a cloud's host name) is left as it is. A parameter named Cloud comes with Named:
// true for the cloud's own name, false for the catalog's words for a cloud without one, so that a language whose
// words change after a preposition can say them right ({{if .Named}}bei {{.Cloud}}{{else}}bei der Cloud{{end}}).
// The zero Message says nothing.
func Say(l *i18n.Localizer, m service.Message) string {
	if m.IsZero() {
		return ""
	}
	if l == nil {
		l = (*i18n.Catalog)(nil).For("", "", time.UTC) // says the ids themselves
	}
	args := make([]any, 0, len(m.Args)+2)
	var nested []string
	for i := 0; i+1 < len(m.Args); i += 2 {
		name := fmt.Sprint(m.Args[i])
		switch v := m.Args[i+1].(type) {
		case int:
			args = appendNumber(l, args, name, int64(v))
		case int64:
			args = appendNumber(l, args, name, v)
		case service.Bytes:
			args = append(args, name, l.Size(int64(v)))
		case service.Wait:
			args = append(args, name, l.Wait(time.Duration(v)))
		case service.List:
			args = append(args, name, strings.Join(v, l.T("list.separator")))
		case time.Time:
			args = append(args, name, l.Time(v))
		case service.Message:
			if name == "Cloud" {
				args = append(args, "Named", false)
			}
			w := Say(l, v)
			if len(v.Args) == 0 { // catalog words only: never a name a person chose
				nested = append(nested, w)
			}
			args = append(args, name, w)
		case string:
			if name == "Cloud" {
				args = append(args, "Named", true)
			}
			args = append(args, name, v)
		default:
			args = append(args, name, v)
		}
	}
	out := l.T(m.ID, args...)
	for _, w := range nested {
		if w != "" && strings.HasPrefix(out, w) {
			return capitalized(out)
		}
	}
	return out
}

// appendNumber adds a number parameter written for the language; the parameter Count keeps its value (it picks
// the plural form) and comes with N, the number written out.
func appendNumber(l *i18n.Localizer, args []any, name string, n int64) []any {
	if name == "Count" {
		return append(args, name, n, "N", l.Number(n))
	}
	return append(args, name, l.Number(n))
}

// capitalized is s with its first letter upper case.
func capitalized(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[size:]
}

// SayAll says several sentences, one after the other; those that say nothing are left out.
func SayAll(l *i18n.Localizer, ms []service.Message) string {
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		if s := Say(l, m); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// SayStored says the words a store column keeps (service.StoreMessages: an import's error or label, an audit
// entry's detail, a token's last error): its messages, or any other text (a file name, the plain words of an
// older row) as it is.
func SayStored(l *i18n.Localizer, text string) string {
	if ms, ok := service.StoredMessages(text); ok {
		return SayAll(l, ms)
	}
	return text
}

// Say puts a service message in the current request's language.
func (env *Env) Say(c echo.Context, m service.Message) string { return Say(env.Localizer(c), m) }

// SayAll says several service messages in the current request's language, one after the other.
func (env *Env) SayAll(c echo.Context, ms []service.Message) string {
	return SayAll(env.Localizer(c), ms)
}

// SayStored says stored words in the current request's language (SayStored).
func (env *Env) SayStored(c echo.Context, text string) string {
	return SayStored(env.Localizer(c), text)
}
