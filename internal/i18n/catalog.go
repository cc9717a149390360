package i18n

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

//go:embed locales
var shipped embed.FS

// Pseudo is the pseudo-locale: every English message wrapped in ⟦ ⟧ with its letters accented, so a page rendered in
// it shows at a glance (and to a test) any word that did not come from a catalog.
const Pseudo = "en-XA"

// ErrCatalog marks a catalog file that cannot be read or parsed.
var ErrCatalog = errors.New("i18n: bad catalog")

// Catalog holds every language's messages. It is built once (New) and only read afterwards, so it is safe for
// concurrent use.
type Catalog struct {
	bundle *goi18n.Bundle
	tags   []language.Tag
	ids    []string

	// What a language says is fixed once the catalog is loaded, so it is worked out once per process: messages
	// without parameters as they read (only those the catalog has, so the map is bounded by the catalog), and the
	// patterns Localizer.fill fills in.
	said     memo[string]
	patterns memo[pattern]

	// What a language is and says apart from its messages (printer, digits, plural rules' localizer), one per
	// language the catalog has, built with it; the matcher For matches a request's languages with; and For's
	// choice for the requests seen last.
	// The messages of a language that only fill in parameters ({{.Name}}, one form, the usual delimiters), with
	// the names they use: T fills them from a pattern (plainPatterns) rather than executing their template.
	plain         map[saidKey][]string
	plainPatterns memo[pattern]

	speakers map[language.Tag]*speaker
	matcher  language.Matcher
	chosenMu sync.RWMutex
	chosen   map[choice]*speaker
}

// choice is what For chooses a language from: the host's choice and the browser's Accept-Language.
type choice struct{ lang, accept string }

const (
	maxChoices   = 512 // pairs For remembers
	maxChoiceLen = 256 // the longest pair remembered, in bytes; a longer one is matched every time
)

// saidKey is a message in a language.
type saidKey struct{ lang, id string }

// memo is what the catalog remembers per message and language; safe for concurrent use.
type memo[V any] struct {
	mu sync.RWMutex
	m  map[saidKey]V
}

func (m *memo[V]) get(k saidKey) (V, bool) {
	m.mu.RLock()
	v, ok := m.m[k]
	m.mu.RUnlock()
	return v, ok
}

// len is how many messages it holds.
func (m *memo[V]) len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.m)
}

func (m *memo[V]) put(k saidKey, v V) {
	m.mu.Lock()
	if m.m == nil {
		m.m = make(map[saidKey]V)
	}
	m.m[k] = v
	m.mu.Unlock()
}

// New loads the shipped catalogs, then every *.json file at the root of extra (nil: none); a file named for a
// language ("de.json", "pt-BR.json", "nl.json") adds messages to that language or overrides shipped ones. The
// file format is go-i18n's JSON: {"id": "text"} or {"id": {"one": "...", "other": "..."}}, with {{.Name}}
// parameters.
func New(extra fs.FS) (*Catalog, error) {
	b := goi18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	c := &Catalog{bundle: b}
	areas, err := fs.ReadDir(shipped, "locales")
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCatalog, err)
	}
	var pseudo []*goi18n.Message
	for _, a := range areas {
		dir := path.Join("locales", a.Name())
		if err := c.load(shipped, dir); err != nil {
			return nil, err
		}
		en, err := messagesIn(shipped, path.Join(dir, "en.json"))
		if err != nil {
			return nil, err
		}
		for _, m := range en {
			c.ids = append(c.ids, m.ID)
			pseudo = append(pseudo, pseudoMessage(m))
		}
	}
	slices.Sort(c.ids)
	if err := b.AddMessages(language.MustParse(Pseudo), pseudo...); err != nil {
		return nil, fmt.Errorf("%w: pseudo-locale: %w", ErrCatalog, err)
	}
	c.notePlain(language.MustParse(Pseudo), pseudo)
	if extra != nil {
		if err := c.load(extra, "."); err != nil {
			return nil, err
		}
	}
	c.tags = b.LanguageTags()
	c.matcher = language.NewMatcher(c.tags)
	c.speakers = make(map[language.Tag]*speaker, len(c.tags)+1)
	for _, t := range append(c.Languages(), language.English, language.MustParse(Pseudo)) {
		if c.speakers[t] == nil {
			c.speakers[t] = newSpeaker(c, t)
		}
	}
	c.chosen = make(map[choice]*speaker)
	return c, nil
}

func (c *Catalog) load(fsys fs.FS, dir string) error {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return fmt.Errorf("%w: read %s: %w", ErrCatalog, dir, err)
	}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".json" {
			continue
		}
		p := path.Join(dir, e.Name())
		buf, err := fs.ReadFile(fsys, p)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrCatalog, p, err)
		}
		mf, err := c.bundle.ParseMessageFileBytes(buf, e.Name())
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrCatalog, p, err)
		}
		c.notePlain(mf.Tag, mf.Messages)
	}
	return nil
}

// action is a template action that says a parameter as it is: {{.Name}}.
var action = regexp.MustCompile(`\{\{\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// notePlain records which of a language's messages, as loaded last, only fill in parameters, and their names.
func (c *Catalog) notePlain(tag language.Tag, ms []*goi18n.Message) {
	if c.plain == nil {
		c.plain = make(map[saidKey][]string)
	}
	for _, m := range ms {
		k := saidKey{tag.String(), m.ID}
		delete(c.plain, k)
		if m.LeftDelim != "" || m.RightDelim != "" || m.Zero != "" || m.One != "" || m.Two != "" || m.Few != "" || m.Many != "" {
			continue
		}
		rest := action.ReplaceAllString(m.Other, "")
		if strings.Contains(rest, "{{") || strings.Contains(rest, "}}") {
			continue
		}
		names := []string{}
		for _, sub := range action.FindAllStringSubmatch(m.Other, -1) {
			if !slices.Contains(names, sub[1]) {
				names = append(names, sub[1])
			}
		}
		c.plain[k] = names
	}
}

// IDs lists every message id English has, sorted.
func (c *Catalog) IDs() []string { return slices.Clone(c.ids) }

// Languages lists the languages the catalog has messages for.
func (c *Catalog) Languages() []language.Tag { return slices.Clone(c.tags) }

// messagesIn parses one catalog file.
func messagesIn(fsys fs.FS, p string) ([]*goi18n.Message, error) {
	buf, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCatalog, p, err)
	}
	mf, err := goi18n.ParseMessageFileBytes(buf, path.Base(p), map[string]goi18n.UnmarshalFunc{"json": json.Unmarshal})
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrCatalog, p, err)
	}
	return mf.Messages, nil
}

// Mismatch compares a catalog file with the ids English has (want): the ones it lacks, and the ones it has that
// English no longer has. Every shipped catalog must have none of either against the English file of its area (a
// test holds them to it).
func Mismatch(fsys fs.FS, p string, want []string) (missing, stale []string, err error) {
	other, err := messagesIn(fsys, p)
	if err != nil {
		return nil, nil, err
	}
	have := map[string]bool{}
	for _, m := range other {
		have[m.ID] = true
	}
	wanted := map[string]bool{}
	for _, id := range want {
		wanted[id] = true
		if !have[id] {
			missing = append(missing, id)
		}
	}
	for _, m := range other {
		if !wanted[m.ID] {
			stale = append(stale, m.ID)
		}
	}
	slices.Sort(missing)
	slices.Sort(stale)
	return missing, stale, nil
}

// pseudoMessage wraps every form of an English message in ⟦ ⟧ and accents its letters, leaving {{ }} actions as
// they are.
func pseudoMessage(m *goi18n.Message) *goi18n.Message {
	p := *m
	for _, f := range []*string{&p.Zero, &p.One, &p.Two, &p.Few, &p.Many, &p.Other} {
		if *f != "" {
			*f = "⟦" + accent(*f) + "⟧"
		}
	}
	return &p
}

func accent(s string) string {
	accents := strings.NewReplacer("a", "á", "e", "é", "i", "í", "o", "ö", "u", "ü", "A", "Å", "E", "É", "O", "Ö", "U", "Ü", "c", "ç", "n", "ñ")
	var b strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			b.WriteString(accents.Replace(s))
			return b.String()
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			b.WriteString(accents.Replace(s))
			return b.String()
		}
		b.WriteString(accents.Replace(s[:i]))
		b.WriteString(s[i : i+j+2])
		s = s[i+j+2:]
	}
}
