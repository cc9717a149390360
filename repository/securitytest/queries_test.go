package securitytest

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/labstack/echo/v4"
	"gorm.io/gorm"
)

// routeCounterKey marks a request's context with the log of the statements it sends to the database.
type routeCounterKey struct{}

// statementLog is what one request sent to the database, in order.
type statementLog struct {
	mu  sync.Mutex
	sql []string
}

func (l *statementLog) add(sql string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sql = append(l.sql, sql)
}

func (l *statementLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.sql...)
}

// queryBudgets is the most database statements each route may send when called once, as its first allowed role,
// in routeTable's order (issuers cached by the calls before). A picker page has 2 and a listing 1 whatever the
// number of instances (picker.TestPickerPagesStayWithinQueryBudget); every other route's budget is exactly what it
// sends today (an issuer read is 2 statements, a save rewrites its endpoints and mappings), so a route that grows
// fails here and someone decides.
var queryBudgets = map[string]int{
	"static":        0,
	"picker":        2,
	"picker.list":   1,
	"picker.search": 1,
	// A pick reads the instances with the user's token and the system account (once for the request), and
	// stores what it must (a link: the pick result).
	"picker.pick":          3,
	"picker.import":        3,
	"picker.import.cancel": 3,
	"picker.login":         5,
	// The callback takes the state, reads the issuer (2 statements, always from the store: it has no revision at
	// hand to check a cached copy against) and stores the token; the login start is picker.login's.
	"callback":       4,
	"picker.preview": 1,
	"picker.view":    1,
	// A link preview opens the link (as its page does), reads its issuer once and the system account's token
	// (again for the preview call after the Depth 0 PROPFIND); a revalidated preview (304) costs only the open.
	"link.preview":         6,
	"link":                 4,
	"link.file":            5,
	"link.share":           25,
	"admin":                4,
	"admin.issuers":        4,
	"admin.issuer.new":     0,
	"admin.issuer.create":  9,
	"admin.issuer.update":  13,
	"admin.issuer":         6,
	"admin.issuer.delete":  6,
	"admin.issuer.check":   15,
	"admin.system.connect": 6,
	// The instance pages read every issuer's last connection check in one statement (store.LatestAudit).
	// The admin's issuer and instance pages read every system account in one statement (was one per issuer).
	"admin.instances":          5,
	"admin.instance.new":       4,
	"admin.instance.create":    5,
	"admin.instance":           5,
	"admin.instance.update":    7,
	"admin.instance.delete":    2,
	"admin.links":              4,
	"admin.link.row":           4,
	"admin.link.revoke":        4,
	"admin.link.regrant":       4,
	"admin.audit":              1,
	"admin.health":             2,
	"course":                   3,
	"course.instance":          5,
	"course.links":             4,
	"course.link.row":          4,
	"course.link.revoke":       4,
	"course.link.regrant":      4,
	"admin.system.disconnect":  12,
	"admin.instance.delete.do": 5,
	"admin.issuer.delete.do":   20,
	"picker.logout":            6,
}

// firstAllowed is the role a route is counted as.
func firstAllowed(a access) string {
	for _, role := range allRoles() {
		if a.allows(role) {
			return role
		}
	}
	return anon
}

// TestEveryRouteStaysWithinItsQueryBudget calls every route of routeTable once, as the first role allowed to use
// it, and counts the statements that request sends to the database (a GORM callback on the host's handle,
// counting only statements made under that request's context): each must stay within its budget, and a route
// without a budget fails until it is given one.
func TestEveryRouteStaysWithinItsQueryBudget(t *testing.T) {
	t.Parallel()
	s := newSite(t, siteOptions{})
	m := &matrix{s: s, r: map[string]string{}, job: map[string]string{}}
	m.spare = s.h.AddIssuer(t, "Spare cloud")
	m.spareIn = s.h.AddInstance(t, m.spare.ID, "Spare files", 1, 1)
	s.h.ConnectSystem(t, m.spare.ID)
	// More issuers with instances, one with its system account: a page reading something once per issuer (an
	// N+1) shows in its count.
	for _, name := range []string{"Second spare cloud", "Third spare cloud"} {
		iss := s.h.AddIssuer(t, name)
		s.h.AddInstance(t, iss.ID, name+" files", 1, 1)
		if name == "Third spare cloud" {
			s.h.ConnectSystem(t, iss.ID)
		}
	}
	m.link = s.pickControlled(student, course)
	for _, role := range allRoles() {
		if role == anon {
			continue
		}
		m.r[role] = s.token(s.pickRequest(role))
		m.job[role] = s.startImport(role, m.r[role])
	}
	// The teacher holds an edit share of the link, for the revoke and regrant routes.
	if status, body, _ := s.post(teacher, path("link", m.link, "share"), url.Values{"edit": {"1"}}); status >= 400 {
		t.Fatalf("teacher's share: %d %.300s", status, body)
	}

	count := func(tx *gorm.DB) {
		if l, ok := tx.Statement.Context.Value(routeCounterKey{}).(*statementLog); ok {
			l.add(tx.Statement.SQL.String())
		}
	}
	cb := s.h.DB.Callback()
	for _, err := range []error{
		cb.Query().After("gorm:query").Register("ocrepo_test:route_count", count),
		cb.Row().After("gorm:row").Register("ocrepo_test:route_count", count),
		cb.Raw().After("gorm:raw").Register("ocrepo_test:route_count", count),
		cb.Create().After("gorm:create").Register("ocrepo_test:route_count", count),
		cb.Update().After("gorm:update").Register("ocrepo_test:route_count", count),
		cb.Delete().After("gorm:delete").Register("ocrepo_test:route_count", count),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	var current struct {
		sync.Mutex
		log *statementLog
	}
	s.h.Echo.Pre(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			current.Lock()
			l := current.log
			current.Unlock()
			if l != nil {
				c.SetRequest(c.Request().WithContext(context.WithValue(c.Request().Context(), routeCounterKey{}, l)))
			}
			return next(c)
		}
	})

	for _, rc := range routeTable() {
		budget, ok := queryBudgets[rc.name]
		if !ok {
			t.Errorf("route %q has no query budget: add one to queryBudgets", rc.name)
			continue
		}
		role := firstAllowed(rc.access)
		if rc.name == "callback" && role != anon {
			// The login start that makes the callback's state is picker.login's work, counted there.
			m.callbackQuery = map[string]string{role: s.callbackQuery(role)}
		}
		l := &statementLog{}
		current.Lock()
		current.log = l
		current.Unlock()
		status, body, _ := rc.call(m, role)
		current.Lock()
		current.log = nil
		current.Unlock()
		if status >= 400 {
			t.Errorf("%s %s as %s: %d: %.300s", rc.method, rc.name, role, status, body)
			continue
		}
		sent := l.list()
		t.Logf("%-26s %d queries (budget %d)", rc.name, len(sent), budget)
		if testing.Verbose() {
			for _, q := range sent {
				t.Logf("    %.160s", strings.Join(strings.Fields(q), " "))
			}
		}
		if got := len(sent); got > budget {
			t.Errorf("%s %s as %s sent %d statements to the database, budget %d:\n%s", rc.method, rc.name, role, got, budget,
				strings.Join(sent, "\n"))
		}
	}
}
