package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/store"
)

// homePage is the start page: who to sign in as, then one's courses, and for admins the cloud set-up checklist.
type homePage struct {
	Courses   []CourseWithRole
	Setup     *setupStatus
	TestCloud *testCloudInfo
	Role      string
}

// testCloudInfo is what the start page says about the built-in test cloud.
type testCloudInfo struct {
	URL          string
	ClientID     string
	ClientSecret string
	System       string
}

// setupStatus is the admin's checklist: a cloud server, its system account, a repository instance.
type setupStatus struct {
	AdminURL    string
	NewIssuer   string
	NewInstance string
	CallbackURL string
	Issuers     []issuerStatus
	Instances   []string
	SystemReady bool // a cloud server has a working system account
	Ready       bool
}

type issuerStatus struct {
	Name         string
	BaseURL      string
	EditURL      string
	System       string // the system account's cloud user, "" when not connected
	SystemFailed bool   // its last token refresh failed: the cloud server's admin page says why
}

func (a *app) home(c echo.Context) error {
	ctx := c.Request().Context()
	p := homePage{}
	if a.cloud != nil {
		p.TestCloud = &testCloudInfo{URL: a.cloud.URL, ClientID: testClientID, ClientSecret: testClientSecret, System: systemAccount}
	}
	u, ok := a.user(c)
	if !ok {
		return a.render(c, http.StatusOK, "welcome", view{Title: "Welcome", Page: p})
	}
	p.Role = u.Role
	courses, err := a.db.CoursesOf(ctx, u)
	if err != nil {
		return err
	}
	p.Courses = courses
	if u.Role == RoleAdmin {
		s, err := a.setupStatus(ctx)
		if err != nil {
			return err
		}
		p.Setup = &s
	}
	return a.render(c, http.StatusOK, "home", view{Title: "My courses", Page: p})
}

// setupStatus reads ocrepo's store for the checklist.
func (a *app) setupStatus(ctx context.Context) (setupStatus, error) {
	s := setupStatus{AdminURL: mountPath + "/admin", NewIssuer: mountPath + "/admin/issuers/new",
		NewInstance: mountPath + "/admin/instances/new", CallbackURL: a.repo.CallbackURL()}
	issuers, err := a.st.ListIssuers(ctx)
	if err != nil {
		return s, err
	}
	connected := false
	for _, iss := range issuers {
		is := issuerStatus{Name: iss.Name, BaseURL: iss.BaseURL, EditURL: mountPath + "/admin/issuers/" + strconv.FormatInt(iss.ID, 10)}
		t, err := a.st.GetToken(ctx, store.TokenKey{IssuerID: iss.ID, System: true})
		switch {
		case err == nil:
			is.System, is.SystemFailed = t.CloudUser, t.LastError != ""
			connected = connected || t.LastError == ""
		case !errors.Is(err, store.ErrNotFound):
			return s, err
		}
		s.Issuers = append(s.Issuers, is)
	}
	insts, err := a.st.ListInstances(ctx)
	if err != nil {
		return s, err
	}
	for _, in := range insts {
		if in.Enabled {
			s.Instances = append(s.Instances, in.Name)
		}
	}
	s.SystemReady = connected
	s.Ready = len(s.Issuers) > 0 && connected && len(s.Instances) > 0
	return s, nil
}

// signIn is the switcher: no password, this is a demo. A real LMS signs people in its own way.
func (a *app) signIn(c echo.Context) error {
	u, err := a.db.User(c.Request().Context(), c.FormValue("user"))
	if err != nil {
		return a.fail(c, http.StatusBadRequest, "No such person", "Choose someone from the list.")
	}
	c.SetCookie(a.sessions.cookie(u.ID))
	return c.Redirect(http.StatusSeeOther, safeNext(c.FormValue("next")))
}

func (a *app) signOut(c echo.Context) error {
	c.SetCookie(a.sessions.clear())
	return seeOther(c, "/", "signed_out")
}
