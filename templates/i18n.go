package templates

import (
	"context"
	"time"
)

// Translator turns message ids into the user's words. Every component takes it from the render context (put
// there with WithTranslator by the HTTP layer), so view models carry ids, parameters and user data only.
type Translator interface {
	// T returns message id with its parameters (name, value pairs) filled in.
	T(id string, args ...any) string
	// Lang is the page's lang attribute; Dir its dir attribute ("ltr" or "rtl").
	Lang() string
	Dir() string
	// Number, Size and Time format a count, a byte size and an instant for the user's language and time zone;
	// Clock is an instant's time of day alone.
	Number(n int64) string
	Size(n int64) string
	Time(t time.Time) string
	Clock(t time.Time) string
}

type translatorKey struct{}

// WithTranslator returns ctx carrying tr for the components rendered with it.
func WithTranslator(ctx context.Context, tr Translator) context.Context {
	return context.WithValue(ctx, translatorKey{}, tr)
}

// TranslatorFrom returns the translator in ctx, or nil.
func TranslatorFrom(ctx context.Context) Translator {
	tr, _ := ctx.Value(translatorKey{}).(Translator)
	return tr
}

// T is message id in the language of the render context; without a translator the id itself, so a component
// rendered outside ocrepo's HTTP layer shows its ids rather than words in the wrong language.
func T(ctx context.Context, id string, args ...any) string {
	if tr := TranslatorFrom(ctx); tr != nil {
		return tr.T(id, args...)
	}
	return id
}

func pageLang(ctx context.Context) string {
	if tr := TranslatorFrom(ctx); tr != nil {
		return tr.Lang()
	}
	return "en"
}

func pageDir(ctx context.Context) string {
	if tr := TranslatorFrom(ctx); tr != nil {
		return tr.Dir()
	}
	return "ltr"
}
