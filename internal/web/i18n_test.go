package web_test

import (
	htmlesc "html"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/i18n"
	"github.com/ocrepo/ocrepo/internal/i18n/i18ntest"
	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/templates"
)

// untranslated lists the text nodes and read attributes of a page that are neither pseudo-locale messages nor the
// user data the test put there (userData).
func untranslated(t *testing.T, body string, userData ...string) []string {
	t.Helper()
	bad, err := i18ntest.LeftInEnglish(body, "", userData...)
	if err != nil {
		t.Fatal(err)
	}
	return bad
}

func localeEnv(t *testing.T, lang string, extra fstest.MapFS) *web.Env {
	t.Helper()
	cat, err := i18n.New(extra)
	if err != nil {
		t.Fatal(err)
	}
	routes := web.NewRoutes()
	routes.Declare("static", "/cloud/static/*")
	return &web.Env{
		Catalog:   cat,
		Languages: host.LanguagesFunc(func(*http.Request) string { return lang }),
		Routes:    routes,
		Home:      templates.HomeLink{URL: "/", Name: "Lakeside LMS"},
		SiteName:  "Lakeside LMS",
	}
}

func renderError(t *testing.T, env *web.Env, accept string) string {
	t.Helper()
	e := echo.New()
	req := httptest.NewRequest(http.MethodGet, "/cloud/x", nil)
	if accept != "" {
		req.Header.Set("Accept-Language", accept)
	}
	rec := httptest.NewRecorder()
	c := e.NewContext(req, rec)
	title := env.T(c, "error.render")
	if err := env.Render(c, http.StatusInternalServerError,
		templates.ErrorPage(env.Page(c, title), templates.Alert{Code: "500", Title: title})); err != nil {
		t.Fatal(err)
	}
	return rec.Body.String()
}

// TestPseudoLocaleFrame: the frame of every full page (skip link, way back to the host, landmarks) and the error
// page come from the catalog: rendered in the pseudo-locale, no text is left that is not a message or the
// host's name.
func TestPseudoLocaleFrame(t *testing.T) {
	t.Parallel()
	body := renderError(t, localeEnv(t, i18n.Pseudo, nil), "")
	if bad := untranslated(t, body, "Lakeside LMS", "500"); len(bad) > 0 {
		t.Fatalf("untranslated text: %q\n%s", bad, body)
	}
	if !strings.Contains(body, "⟦Báçk tö Lakeside LMS⟧") {
		t.Fatalf("no translated way back:\n%s", body)
	}
}

// TestPageLanguageAndDirection: the page carries lang and dir of the language chosen: the host's hook first,
// else the browser's Accept-Language; a right-to-left language gets dir="rtl".
func TestPageLanguageAndDirection(t *testing.T) {
	t.Parallel()
	extra := fstest.MapFS{
		"ar.json": {Data: []byte(`{"layout.skip": "انتقل إلى المحتوى الرئيسي"}`)},
		"nl.json": {Data: []byte(`{"layout.skip": "Naar de inhoud"}`)},
	}
	for _, tc := range []struct{ hook, accept, lang, dir, skip string }{
		{"ar", "nl", "ar", "rtl", "انتقل إلى المحتوى الرئيسي"},
		{"", "nl-NL,nl;q=0.9", "nl", "ltr", "Naar de inhoud"},
		{"", "", "en", "ltr", "Skip to main content"},
	} {
		body := renderError(t, localeEnv(t, tc.hook, extra), tc.accept)
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		h := doc.Find("html")
		if l, _ := h.Attr("lang"); !strings.HasPrefix(l, tc.lang) {
			t.Errorf("hook %q accept %q: lang %q, want %q", tc.hook, tc.accept, l, tc.lang)
		}
		if d, _ := h.Attr("dir"); d != tc.dir {
			t.Errorf("hook %q accept %q: dir %q, want %q", tc.hook, tc.accept, d, tc.dir)
		}
		if s := doc.Find("a.skip-link").Text(); s != tc.skip {
			t.Errorf("hook %q accept %q: skip link %q, want %q", tc.hook, tc.accept, s, tc.skip)
		}
	}
}

// TestAdminWordsFromTheCatalog: every admin note the error mapper can give is a message of the English catalog,
// and AdminWords says it (with the pointer to the connection check) in the request's language.
func TestAdminWordsFromTheCatalog(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("problem.go")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, id := range cat.IDs() {
		known[id] = true
	}
	ids := regexp.MustCompile(`"(problem\.admin\.[a-z_]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(ids) < 15 {
		t.Fatalf("only %d admin notes found in problem.go", len(ids))
	}
	for _, m := range ids {
		if !known[m[1]] {
			t.Errorf("problem.go uses %q, which the English catalog lacks", m[1])
		}
	}

	p := web.ProblemFor(cloud.ErrTimeout, "", english(t))
	if p.Admin == "" || !p.AdminCheck {
		t.Fatalf("timeout: admin note %q check %v", p.Admin, p.AdminCheck)
	}
	for lang, want := range map[string]string{
		"de": "Die Cloud hat nicht innerhalb der Zeitgrenze der Website geantwortet: Sie ist vielleicht überlastet, oder ihr Brute-Force-Schutz verzögert diese Website. Die Verbindungsprüfung auf der Verwaltungsseite des Cloud-Servers zeigt, was nicht stimmt.",
		"":   "The cloud did not answer within the site's timeout: it may be overloaded, or its brute-force protection delays this site. The connection check on the cloud server's admin page shows what is wrong.",
	} {
		env := localeEnv(t, lang, nil)
		c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), httptest.NewRecorder())
		if got := env.AdminWords(c, p); got != want {
			t.Errorf("%q: %q", lang, got)
		}
	}
}

// TestPlumbingFailuresInTheUsersLanguage: the plumbing's own refusals (sign in, admins only, CSRF, too much data,
// not found) are catalog messages: in the pseudo-locale nothing is left untranslated, and a size in them is
// written in the language's numbers.
func TestPlumbingFailuresInTheUsersLanguage(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"web.sign_in", "web.who_failed", "web.permissions_failed", "web.admins_only",
		"web.cross_site", "web.form_expired", "web.form_unreadable", "web.method", "web.not_found", "web.too_much"} {
		env := localeEnv(t, i18n.Pseudo, nil)
		rec := httptest.NewRecorder()
		c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/cloud/x", nil), rec)
		if err := env.FailWith(c, http.StatusBadRequest, key, "Limit", "1 MB"); err != nil {
			t.Fatal(err)
		}
		if bad := untranslated(t, rec.Body.String(), "Lakeside LMS", "1 MB", "400"); len(bad) > 0 {
			t.Errorf("%s: untranslated %q", key, bad)
		}
		if strings.Contains(rec.Body.String(), key) {
			t.Errorf("%s: a message id reached the page", key)
		}
	}
	env := localeEnv(t, "de", nil)
	rec := httptest.NewRecorder()
	c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/cloud/x", nil), rec)
	if err := env.FailWith(c, http.StatusRequestEntityTooLarge, "web.too_much", "Limit", env.Localizer(c).Size(1536*1024)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.Body.String(), "Zu viele Daten") || !strings.Contains(rec.Body.String(), "(1,5 MB)") {
		t.Errorf("German 413:\n%s", rec.Body.String())
	}
}

// english is the shipped catalog's English, in UTC.
func english(t *testing.T) *i18n.Localizer {
	t.Helper()
	cat, err := i18n.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return cat.For("en", "", time.UTC)
}

// TestProblemWordsFromTheCatalog: what the mapper says of every error it knows comes from the catalog. In the
// pseudo-locale no word of a title or detail is left untranslated (the cloud's name aside), and in every shipped
// language none is a message id that the language (or English) lacks.
func TestProblemWordsFromTheCatalog(t *testing.T) {
	t.Parallel()
	cat, err := i18n.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	pseudo := cat.For(i18n.Pseudo, "", time.UTC)
	for _, tc := range sentinels() {
		for _, name := range []string{"Campus cloud", ""} {
			p := web.ProblemFor(tc.err, name, pseudo)
			for _, words := range []string{p.User.Title, p.User.Detail} {
				if bad := untranslated(t, "<p>"+htmlesc.EscapeString(words)+"</p>", "Campus cloud", "HTTP", "405 Method Not Allowed", "409 Conflict", "500 Internal Server Error", "503 Service Unavailable", "Docs"); len(bad) > 0 || words == "" {
					t.Errorf("%v (cloud %q): untranslated %q in %q", tc.err, name, bad, words)
				}
			}
		}
		for _, lang := range []string{"en", "de", "fr", "es", "pt-BR", "ar"} {
			p := web.ProblemFor(tc.err, "", cat.For(lang, "", time.UTC))
			for _, words := range []string{p.User.Title, p.User.Detail} {
				if strings.Contains(words, "problem.") || strings.Contains(words, "cloud.unnamed") || strings.Contains(words, "{{") {
					t.Errorf("%s: %v: a message id or parameter reached the words: %q", lang, tc.err, words)
				}
			}
		}
	}
}

// TestProblemWordsInTheUsersLanguage: the same error reads in each language, with its sizes, waits and the
// cloud's name written for it; a cloud without a name is "the cloud" in the language, capitalised where it opens
// a sentence and inflected where the language's words change after a preposition ("bei der Cloud", "au cloud").
func TestProblemWordsInTheUsersLanguage(t *testing.T) {
	t.Parallel()
	cat, err := i18n.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tooLarge := &service.Refusal{Err: service.ErrTooLarge, Reason: service.Msg("problem.refusal.too_large",
		"Size", service.Bytes(1536<<10), "Limit", service.Bytes(1<<20))}
	throttled := &cloud.StatusError{StatusCode: 429, RetryAfter: 90 * time.Second}
	for _, tc := range []struct {
		lang string
		err  error
		name string
		want string
	}{
		{"en", tooLarge, "", "The file is too large. Too large: 1.5 MB, the limit is 1 MB."},
		{"de", tooLarge, "", "Die Datei ist zu groß. Zu groß: 1,5 MB, die Grenze liegt bei 1 MB."},
		{"ar", tooLarge, "", "الملف كبير جدًا. كبير جدًا: ١٫٥ ميغابايت، والحد الأقصى ١ ميغابايت."},
		{"en", cloud.ErrTimeout, "", "The cloud did not answer in time. The cloud is slow or unreachable right now. Try again in a moment."},
		{"en", cloud.ErrTimeout, "Campus cloud", "Campus cloud did not answer in time. Campus cloud is slow or unreachable right now. Try again in a moment."},
		{"de", cloud.ErrTimeout, "", "Die Cloud hat nicht rechtzeitig geantwortet. Die Cloud ist gerade langsam oder nicht erreichbar. Versuchen Sie es gleich noch einmal."},
		{"en", throttled, "Campus cloud", "Campus cloud is limiting requests. Too many requests reached Campus cloud from this site. Try again in 2 minutes."},
		{"fr", throttled, "Campus cloud", "Campus cloud limite les requêtes. Trop de requêtes de ce site ont atteint Campus cloud. Réessayez dans 2 minutes."},
		{"en", &service.LoginError{Kind: service.LoginSystemInUse, Err: &service.SystemSwapError{Links: 3, Current: "sys", New: "other"}}, "",
			"A different system account cannot be connected. 3 access controlled links live in the space of \"sys\"; connecting \"other\" would cut them off. Disconnect is possible only once those links are gone; connect the same account again instead."},
		{"en", cloud.ErrTimeout, "cloud.example.org", "cloud.example.org did not answer in time. cloud.example.org is slow or unreachable right now. Try again in a moment."},
		{"de", service.ErrNotConnected, "", "Bei der Cloud anmelden. Melden Sie sich bei der Cloud an, um Ihre Dateien hier zu sehen."},
		{"de", service.ErrNotConnected, "Campus cloud", "Bei Campus cloud anmelden. Melden Sie sich bei Campus cloud an, um Ihre Dateien hier zu sehen."},
		{"fr", service.ErrNotConnected, "", "Se connecter au cloud. Connectez-vous au cloud pour voir vos fichiers ici."},
		{"pt-BR", cloud.ErrTimeout, "", "A nuvem não respondeu a tempo. A nuvem está lenta ou inacessível no momento. Tente novamente em instantes."},
		{"pt-BR", cloud.ErrTimeout, "Campus cloud", "Campus cloud não respondeu a tempo. Campus cloud está lento ou inacessível no momento. Tente novamente em instantes."},
		{"de", cloud.ErrNotFound, "", "Nicht gefunden. Es existiert nicht mehr: Vielleicht wurde es verschoben, umbenannt oder gelöscht. Gehen Sie zurück zu Ihren Dateien und laden Sie neu."},
	} {
		p := web.ProblemFor(tc.err, tc.name, cat.For(tc.lang, "", time.UTC))
		if got := p.User.Title + ". " + p.User.Detail; got != tc.want {
			t.Errorf("%s %v:\n got %q\nwant %q", tc.lang, tc.err, got, tc.want)
		}
	}
}

// TestServiceMessagesInTheCatalog: every message id the service names (Msg("...") and the problem codes whose
// words are problem.<code>.title and .detail) is in the English catalog, so no id can reach a page as words.
func TestServiceMessagesInTheCatalog(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("..", "service", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	i18ntest.SourceIDs{
		IDs:        regexp.MustCompile(`Msg\("([a-z_.]+)"[,)]`), // whole ids; ids built from a prefix are walked by sentinels
		Codes:      regexp.MustCompile(`\bproblem\("([a-z_]+)"`),
		CodePrefix: "problem.",
	}.Check(t, files, 60, "the service")
}

// TestSayImportFailures: an import's failure, stored as a message and said later, reads as one sentence pair; a
// cloud without a name opens it with a capital ("The cloud"), a cloud known by its host name keeps it as it is.
func TestSayImportFailures(t *testing.T) {
	t.Parallel()
	en := english(t)
	for name, want := range map[string]string{
		"":                  "The cloud did not answer in time. The cloud is slow or unreachable right now. Try again in a moment.",
		"cloud.example.org": "cloud.example.org did not answer in time. cloud.example.org is slow or unreachable right now. Try again in a moment.",
	} {
		stored := service.StoreMessages(service.ExplainImport(cloud.ErrTimeout, name))
		ms, ok := service.StoredMessages(stored)
		if !ok || len(ms) != 1 {
			t.Fatalf("%q does not read back", stored)
		}
		if got := web.Say(en, ms[0]); got != want {
			t.Errorf("cloud %q:\n got %q\nwant %q", name, got, want)
		}
		if got := web.SayStored(en, stored); got != want {
			t.Errorf("cloud %q, said as stored:\n got %q\nwant %q", name, got, want)
		}
	}
	if got := web.Say(en, service.Msg("problem.refusal.too_large", "Size", service.Bytes(999), "Limit", service.Bytes(1<<30))); got != "Too large: 999 bytes, the limit is 1 GB." {
		t.Errorf("sizes: %q", got)
	}
}

// TestSayStoredWords: what a store column keeps (an audit detail, a token's last error) is said sentence by
// sentence in the reader's language: a time in their time zone, a count with its plural form and their digits;
// the plain words of an older row, or a file name, are shown as they are.
func TestSayStoredWords(t *testing.T) {
	t.Parallel()
	cat, err := i18n.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	de := cat.For("de", "", time.FixedZone("MEZ", 3600))
	at := time.Date(2026, 1, 2, 23, 30, 0, 0, time.UTC)
	stored := service.StoreMessages(service.Msg("token.login_refused", "At", at), service.Message{},
		service.Msg("audit.logins_dropped", "Count", 3))
	want := "Die Cloud hat die gespeicherte Anmeldung abgelehnt (3. Jan. 2026, 00:30 MEZ); melden Sie sich neu an. 3 Benutzeranmeldungen entfernt."
	if got := web.SayStored(de, stored); got != want {
		t.Errorf("stored words:\n got %q\nwant %q", got, want)
	}
	if got := web.SayAll(english(t), []service.Message{service.Msg("audit.logins_dropped", "Count", 1), {}}); got != "1 user login dropped." {
		t.Errorf("one sentence: %q", got)
	}
	// A list of types is joined with the language's separator.
	types := service.Msg("problem.refusal.type", "Types", service.List{".pdf", ".odt"})
	if got := web.Say(english(t), types); !strings.Contains(got, ".pdf, .odt") {
		t.Errorf("English list: %q", got)
	}
	if got := web.Say(cat.For("ar", "", time.UTC), types); !strings.Contains(got, ".pdf، .odt") {
		t.Errorf("Arabic list: %q", got)
	}
	for _, plain := range []string{"", "report.pdf", `deleted "Files"`, `[{"id":"audit.updated"}]`} {
		if got := web.SayStored(de, plain); got != plain {
			t.Errorf("plain %q said as %q", plain, got)
		}
	}
}
