package i18n

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Localizer speaks one user's language in one user's time zone. Build one per request with Catalog.For. It is
// safe for concurrent use.
type Localizer struct {
	*speaker // what the language says, shared by every request in it
	zone     *time.Location

	mu       sync.Mutex
	lastTime int64 // the instant Time said last (Unix seconds) and what it said, for rows that share one
	lastSaid string
}

// speaker is what depends on the language alone, worked out once per catalog and language and shared by every
// Localizer in it: nothing in it changes after it is built but the memo of small sizes, which is safe for
// concurrent use.
type speaker struct {
	loc     *goi18n.Localizer
	cat     *Catalog // what the language says, remembered across requests; nil without a catalog
	lang    string   // tag as a string, the catalog's key
	tag     language.Tag
	pageTag string // Lang's answer
	dir     string // Dir's answer
	printer *message.Printer
	zero    rune   // the language's digit zero
	point   string // the language's decimal separator, as x/text writes it; "" when sizes go through x/text

	// Sizes under a kilobyte said once: their plural form goes through text/template. At most 1,024 of them per
	// language, so the memo is bounded.
	bytes [1024]atomic.Pointer[string]
}

// newSpeaker works out what a language says (c nil: no catalog).
func newSpeaker(c *Catalog, tag language.Tag) *speaker {
	s := &speaker{cat: c, lang: tag.String(), tag: tag, printer: message.NewPrinter(tag), zero: '0', dir: "ltr"}
	if c != nil {
		s.loc = goi18n.NewLocalizer(c.bundle, s.lang, "en")
	}
	s.pageTag = s.lang
	if s.lang == Pseudo {
		s.pageTag = "en"
	}
	b, _ := tag.Base()
	switch b.String() {
	case "ar", "he", "fa", "ur", "ps", "yi", "dv", "ckb", "sd", "ug":
		s.dir = "rtl"
	}
	if zero := []rune(s.printer.Sprint(number.Decimal(0))); len(zero) == 1 {
		s.zero = zero[0]
	}
	// One and a half as x/text writes it: the digit one, the separator, the digit five. A language that writes it
	// otherwise has its sizes written by x/text every time.
	if r := []rune(s.printer.Sprint(number.Decimal(1.5, number.MaxFractionDigits(1)))); len(r) >= 3 &&
		r[0] == s.zero+1 && r[len(r)-1] == s.zero+5 {
		s.point = string(r[1 : len(r)-1])
	}
	return s
}

// For picks the language for a request: the host's choice for the user (lang, "" when the host has none), else
// the browser's Accept-Language, else English. zone is the user's time zone; nil means the server's.
func (c *Catalog) For(lang, acceptLanguage string, zone *time.Location) *Localizer {
	if zone == nil {
		zone = time.Local
	}
	if c == nil {
		// Without a catalog the ids themselves are said (tests and zero values only: built each time).
		return &Localizer{speaker: newSpeaker(nil, language.English), zone: zone}
	}
	return &Localizer{speaker: c.speakerFor(lang, acceptLanguage), zone: zone}
}

// speakerFor is the language For picks, remembered for the last few hundred pairs of a host's choice and a
// browser's list (requests repeat them).
func (c *Catalog) speakerFor(lang, acceptLanguage string) *speaker {
	k := choice{lang, acceptLanguage}
	c.chosenMu.RLock()
	s, ok := c.chosen[k]
	c.chosenMu.RUnlock()
	if ok {
		return s
	}
	s = c.speaker(c.match(lang, acceptLanguage))
	if len(lang)+len(acceptLanguage) <= maxChoiceLen {
		c.chosenMu.Lock()
		if len(c.chosen) >= maxChoices { // headers are the browser's to write: the memo forgets rather than grows
			clear(c.chosen)
		}
		c.chosen[k] = s
		c.chosenMu.Unlock()
	}
	return s
}

// match is For's choice of a language among the catalog's.
func (c *Catalog) match(lang, acceptLanguage string) language.Tag {
	if lang == Pseudo {
		return language.MustParse(Pseudo)
	}
	// The host's choice and the browser's list are parsed apart, so that a malformed one leaves the other.
	var wanted []language.Tag
	if t, err := language.Parse(lang); lang != "" && err == nil {
		wanted = append(wanted, t)
	}
	if tags, _, err := language.ParseAcceptLanguage(acceptLanguage); err == nil {
		wanted = append(wanted, tags...)
	}
	if len(wanted) > 0 {
		if _, i, conf := c.matcher.Match(wanted...); conf != language.No {
			return c.tags[i]
		}
	}
	return language.English
}

// speaker is the speaker of one of the catalog's languages.
func (c *Catalog) speaker(tag language.Tag) *speaker {
	if s, ok := c.speakers[tag]; ok {
		return s
	}
	return newSpeaker(c, tag) // not one of the catalog's tags: not expected, but said all the same
}

// T returns the message id in the user's language, its {{.Name}} parameters filled from args given as name,
// value pairs: T("picker.files", "Count", 3). A message with plural forms chooses its form by the parameter
// "Count". An id no catalog has comes back as the id itself, so a missing message shows rather than hides.
func (l *Localizer) T(id string, args ...any) string {
	if l.loc == nil {
		return id
	}
	if len(args) == 0 {
		k := saidKey{l.lang, id}
		if s, ok := l.cat.said.get(k); ok {
			return s
		}
		s, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: id})
		if err == nil && s != "" { // a message the language has: the catalog is bounded, so is the memo
			l.cat.said.put(k, s)
			return s
		}
		if s == "" || (err != nil && !errors.As(err, new(*goi18n.MessageNotFoundErr))) {
			return id
		}
		return s
	}
	if s, ok := l.filled(id, args); ok {
		return s
	}
	return l.execute(id, args)
}

// execute is T for a message with parameters, through go-i18n and its template.
func (l *Localizer) execute(id string, args []any) string {
	var data map[string]any
	var count any
	if len(args) > 0 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			k := fmt.Sprint(args[i])
			data[k] = args[i+1]
			if k == "Count" {
				count = args[i+1]
			}
		}
	}
	s, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	// go-i18n answers a message the language lacks with English and an error saying so: English it is.
	if s == "" || (err != nil && !errors.As(err, new(*goi18n.MessageNotFoundErr))) {
		return id
	}
	return s
}

// filled is T for a message that only fills in parameters (Catalog.plain) given as strings, every one it uses
// given, none named Count: the message is translated once per language with markers for its parameters and
// filled in afterwards, as text/template would fill it. ok is false for any other message or call.
func (l *Localizer) filled(id string, args []any) (string, bool) {
	if l.cat == nil {
		return "", false
	}
	k := saidKey{l.lang, id}
	names, ok := l.cat.plain[k]
	if !ok {
		return "", false
	}
	for i := 0; i+1 < len(args); i += 2 {
		name, ok := args[i].(string)
		if !ok || name == "Count" {
			return "", false
		}
		if _, ok := args[i+1].(string); !ok {
			return "", false
		}
	}
	for _, n := range names {
		if _, ok := argOf(args, n); !ok {
			return "", false // text/template says "<no value>": left to it
		}
	}
	p, ok := l.cat.plainPatterns.get(k)
	if !ok {
		marked := make([]string, 0, 2*len(names))
		for _, n := range names {
			marked = append(marked, n, "")
		}
		p = l.compile(id, marked)
		l.cat.plainPatterns.put(k, p)
	}
	if p.lits == nil {
		return "", false
	}
	if len(p.names) == 0 {
		return p.lits[0], true
	}
	n := 0
	for _, lit := range p.lits {
		n += len(lit)
	}
	for _, name := range p.names {
		v, _ := argOf(args, name)
		n += len(v)
	}
	var b strings.Builder
	b.Grow(n)
	for i, lit := range p.lits {
		b.WriteString(lit)
		if i < len(p.names) {
			v, _ := argOf(args, p.names[i])
			b.WriteString(v)
		}
	}
	return b.String(), true
}

// argOf is the string value of parameter name in T's arguments: the last given, as in T's map.
func argOf(args []any, name string) (v string, ok bool) {
	for i := 0; i+1 < len(args); i += 2 {
		if args[i] == name {
			v, ok = args[i+1].(string)
		}
	}
	return v, ok
}

// Lang is the BCP 47 tag of the language chosen, for the page's lang attribute.
func (l *Localizer) Lang() string { return l.pageTag }

// Dir is "rtl" for languages written right to left, else "ltr", for the page's dir attribute.
func (l *Localizer) Dir() string { return l.dir }

// Number formats an integer with the language's digit grouping.
func (l *Localizer) Number(n int64) string {
	if n >= 0 && n < 1000 { // no grouping to do: the language's digits are enough
		return l.digits(strconv.FormatInt(n, 10))
	}
	return l.printer.Sprint(number.Decimal(n))
}

// Size formats a byte count in the language's numbers: "1.5 MB" in English, "1,5 MB" in German.
func (l *Localizer) Size(n int64) string {
	const unit = 1024
	if n < unit {
		if n < 0 {
			return l.T("size.bytes", "Count", n, "N", l.Number(n))
		}
		// A plural message is executed by go-i18n every time; a listing says the same few sizes row after row, in
		// one language, whoever asks.
		if s := l.bytes[n].Load(); s != nil {
			return *s
		}
		s := l.T("size.bytes", "Count", n, "N", l.Number(n))
		l.bytes[n].Store(&s)
		return s
	}
	v := float64(n) / unit
	i := 0
	for v >= unit && i < len(sizeUnits)-1 {
		v /= unit
		i++
	}
	return l.fill(sizeUnits[i], "N", l.decimal(v))
}

// decimal is v with at most one fraction digit, as x/text writes it in the language (number.Decimal,
// number.MaxFractionDigits(1)): rounded to the nearest tenth (half to even), without a fraction of zero, in the
// language's digits and decimal separator. Values of a thousand and more, which x/text groups, go through it.
func (l *Localizer) decimal(v float64) string {
	if l.point == "" || !(v >= 0 && v < 999.95) {
		return l.printer.Sprint(number.Decimal(v, number.MaxFractionDigits(1)))
	}
	var buf [8]byte
	b := strconv.AppendFloat(buf[:0], v, 'f', 1, 64) // "d.d" to "ddd.d": correctly rounded, half to even
	whole, tenth := b[:len(b)-2], b[len(b)-1]
	if len(whole) > 3 {
		return l.printer.Sprint(number.Decimal(v, number.MaxFractionDigits(1)))
	}
	var out strings.Builder
	out.Grow(len(whole)*4 + len(l.point) + 4)
	for _, d := range whole {
		out.WriteRune(l.zero + rune(d-'0'))
	}
	if tenth != '0' {
		out.WriteString(l.point)
		out.WriteRune(l.zero + rune(tenth-'0'))
	}
	return out.String()
}

var (
	sizeUnits = [...]string{"size.kb", "size.mb", "size.gb", "size.tb"}
	months    = [...]string{"time.month.1", "time.month.2", "time.month.3", "time.month.4", "time.month.5", "time.month.6",
		"time.month.7", "time.month.8", "time.month.9", "time.month.10", "time.month.11", "time.month.12"}
)

// Time formats an instant in the user's time zone, as a date and a time in the language's order.
func (l *Localizer) Time(t time.Time) string {
	// What is said depends on the instant to the second (the zone is the Localizer's): files listed together often
	// share one, so the last is remembered.
	sec := t.Unix()
	l.mu.Lock()
	if l.lastSaid != "" && l.lastTime == sec {
		said := l.lastSaid
		l.mu.Unlock()
		return said
	}
	l.mu.Unlock()
	said := l.say(t)
	l.mu.Lock()
	l.lastTime, l.lastSaid = sec, said
	l.mu.Unlock()
	return said
}

// say is Time without the memo.
func (l *Localizer) say(t time.Time) string {
	t = t.In(l.zone)
	return l.fill("time.datetime", "Day", l.digits(strconv.Itoa(t.Day())), "Month", l.fill(months[t.Month()-1]),
		"Year", l.digits(strconv.Itoa(t.Year())), "Clock", l.digits(t.Format("15:04")), "Zone", t.Format("MST"))
}

// pattern is a message translated with markers in place of its parameters: lits[0], the parameter names[0],
// lits[1], and so on. A nil lits means the message cannot be filled this way and is translated each time.
type pattern struct {
	lits  []string
	names []string
}

// fill is T for a message without plural forms whose parameters are strings, translated once per language and
// catalog and filled in afterwards (text/template executes nothing for it again). Its callers, all in this file,
// give a message the same parameter names every time, so the message and the language name the pattern.
func (l *Localizer) fill(id string, args ...string) string {
	k := saidKey{l.lang, id}
	var p pattern
	ok := false
	if l.cat != nil {
		p, ok = l.cat.patterns.get(k)
	}
	if !ok {
		p = l.compile(id, args)
		if l.cat != nil {
			l.cat.patterns.put(k, p)
		}
	}
	if p.lits == nil {
		anys := make([]any, len(args))
		for i, a := range args {
			anys[i] = a
		}
		return l.T(id, anys...)
	}
	if len(p.names) == 0 {
		return p.lits[0]
	}
	var b strings.Builder
	for i, lit := range p.lits {
		b.WriteString(lit)
		if i < len(p.names) {
			for j := 0; j+1 < len(args); j += 2 {
				if args[j] == p.names[i] {
					b.WriteString(args[j+1])
					break
				}
			}
		}
	}
	return b.String()
}

// marker brackets a parameter's name in a message translated for a pattern.
const marker = "\x00"

// compile translates id with each parameter's value replaced by its name between markers, and cuts the result
// into the pattern.
func (l *Localizer) compile(id string, args []string) pattern {
	marked := make([]any, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		marked = append(marked, args[i], marker+args[i]+marker)
	}
	parts := strings.Split(l.execute(id, marked), marker)
	if len(parts)%2 == 0 {
		return pattern{}
	}
	p := pattern{lits: make([]string, 0, len(parts)/2+1), names: make([]string, 0, len(parts)/2)}
	for i, part := range parts {
		if i%2 == 0 {
			p.lits = append(p.lits, part)
		} else {
			p.names = append(p.names, part)
		}
	}
	return p
}

// Clock is the time of day of an instant in the user's time zone ("14:03:22"), in the language's digits.
func (l *Localizer) Clock(t time.Time) string { return l.digits(t.In(l.zone).Format("15:04:05")) }

// Wait says how long a person waits, rounded up to a unit a person uses: "30 seconds", "a minute", "2 hours",
// "3 days" (whole days beyond the first only: a day is "24 hours", a day and a half "36 hours").
func (l *Localizer) Wait(d time.Duration) string {
	const day = 24 * time.Hour
	var id string
	var n int64
	switch {
	case d < time.Minute:
		id, n = "time.wait.seconds", int64(math.Ceil(d.Seconds()))
	case d < time.Hour:
		id, n = "time.wait.minutes", int64(math.Ceil(d.Minutes()))
	case d%day == 0 && d > day:
		id, n = "time.wait.days", int64(d/day)
	default:
		id, n = "time.wait.hours", int64(math.Ceil(d.Hours()))
	}
	return l.T(id, "Count", n, "N", l.Number(n))
}

// digits writes ASCII digits in the language's own (Arabic-Indic in Arabic), as its numbers are written.
func (l *Localizer) digits(s string) string {
	if l.zero == '0' {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return l.zero + (r - '0')
		}
		return r
	}, s)
}

// Zone is the user's time zone.
func (l *Localizer) Zone() *time.Location { return l.zone }
