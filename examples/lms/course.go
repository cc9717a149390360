package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/repository"
)

// courseAccess loads the course named in the URL and the user's role in it. Site admins who are not members
// see courses as teachers do. Everyone else gets a 403 page.
func (a *app) courseAccess(c echo.Context, u User, code string) (Course, string, error) {
	ctx := c.Request().Context()
	course, err := a.db.CourseByCode(ctx, code)
	if errors.Is(err, errNotFound) {
		return Course{}, "", a.fail(c, http.StatusNotFound, "Course not found", "There is no course "+code+".")
	}
	if err != nil {
		return Course{}, "", err
	}
	role, err := a.db.CourseRole(ctx, course.ID, u.ID)
	if err != nil {
		return Course{}, "", err
	}
	if role == "" && u.Role == RoleAdmin {
		role = RoleTeacher
	}
	if role == "" {
		return Course{}, "", a.fail(c, http.StatusForbidden, "Not your course", "You are not enrolled in "+course.Code+". Switch to someone who is.")
	}
	return course, role, nil
}

// teacherOnly refuses students.
func (a *app) teacherOnly(c echo.Context, role string) error {
	if role != RoleTeacher {
		return a.fail(c, http.StatusForbidden, "Teachers only", "Only the course's teachers may do this.")
	}
	return nil
}

type coursePage struct {
	Course        Course
	Role          string
	Materials     []materialRow
	Assignments   []assignmentRow
	Teachers      []User
	Students      []User
	AddFileURL    string // the picker, for teachers: copy files into the materials
	NewLinkURL    string
	NewAssignment string
	SettingsURL   string // ocrepo's course settings page
}

type materialRow struct {
	Resource
	Href     string
	External bool
}

type assignmentRow struct {
	Assignment
	Status, StatusClass string
}

func (a *app) course(c echo.Context) error {
	u, err := a.signedIn(c)
	if err != nil {
		return err
	}
	course, role, err := a.courseAccess(c, u, c.Param("course"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := coursePage{Course: course, Role: role}
	res, err := a.db.Resources(ctx, course.ID)
	if err != nil {
		return err
	}
	for _, r := range res {
		row := materialRow{Resource: r, Href: r.URL, External: true}
		if r.Kind == KindCopy {
			row.Href, row.External = "/files/"+url.PathEscape(r.FileRef), false
		}
		p.Materials = append(p.Materials, row)
	}
	as, err := a.db.Assignments(ctx, course.ID)
	if err != nil {
		return err
	}
	if p.Students, err = a.db.Members(ctx, course.ID, RoleStudent); err != nil {
		return err
	}
	if p.Teachers, err = a.db.Members(ctx, course.ID, RoleTeacher); err != nil {
		return err
	}
	for _, as := range as {
		row := assignmentRow{Assignment: as}
		if role == RoleStudent {
			row.Status, row.StatusClass, err = a.studentStatus(ctx, as.ID, u.ID)
		} else {
			row.Status, row.StatusClass, err = a.teacherStatus(ctx, as.ID, len(p.Students))
		}
		if err != nil {
			return err
		}
		p.Assignments = append(p.Assignments, row)
	}
	if role == RoleTeacher {
		base := "/courses/" + url.PathEscape(course.Code)
		p.AddFileURL = a.repo.PickerURL(repository.PickRequest{
			User: u.ID, Course: course.Code, Want: repository.ReturnImport, Multiple: true,
			Context: courseMaterialsContext(course), ReturnTo: base + "/materials/add",
		})
		p.NewLinkURL = base + "/links/new"
		p.NewAssignment = base + "/assignments/new"
		p.SettingsURL = mountPath + "/course/" + url.PathEscape(course.Code)
	}
	return a.render(c, http.StatusOK, "course", view{Title: course.Code + " " + course.Title, Page: p,
		Crumbs: []crumb{{"My courses", "/"}}})
}

func (a *app) studentStatus(ctx context.Context, assignmentID uint, student string) (string, string, error) {
	s, err := a.db.Submission(ctx, assignmentID, student)
	switch {
	case errors.Is(err, errNotFound):
		return "Not handed in", "todo", nil
	case err != nil:
		return "", "", err
	case s.SubmittedAt != nil:
		return "Submitted", "done", nil
	}
	return "Draft: not submitted yet", "draft", nil
}

func (a *app) teacherStatus(ctx context.Context, assignmentID uint, students int) (string, string, error) {
	subs, err := a.db.Submissions(ctx, assignmentID)
	if err != nil {
		return "", "", err
	}
	n := 0
	for _, s := range subs {
		if s.SubmittedAt != nil {
			n++
		}
	}
	class := "todo"
	if n == students && students > 0 {
		class = "done"
	}
	return strconv.Itoa(n) + " of " + strconv.Itoa(students) + " submitted", class, nil
}

// materialsAdd receives files a teacher picked for the course materials: from the LMS's script (POST, pick id
// from the picker's postMessage) or from the picker's plain redirect (GET ?pick=). Either way the pick id goes to
// repo.PickResult, which only answers for the user who picked.
func (a *app) materialsAdd(c echo.Context) error {
	u, err := a.signedIn(c)
	if err != nil {
		return err
	}
	course, role, err := a.courseAccess(c, u, c.Param("course"))
	if err != nil {
		return err
	}
	if err := a.teacherOnly(c, role); err != nil {
		return err
	}
	ctx := c.Request().Context()
	back := "/courses/" + url.PathEscape(course.Code)
	pickID := c.FormValue("pick")
	if _, err := a.db.ResourceByPick(ctx, course.ID, pickID); err == nil {
		return seeOther(c, back, "already_done") // the script and the redirect both delivered it
	}
	res, err := a.repo.PickResult(ctx, u.ID, pickID)
	if errors.Is(err, repository.ErrNotFound) {
		return a.fail(c, http.StatusNotFound, "Nothing was picked", "Open the file picker again and choose a file.")
	}
	if err != nil {
		return err
	}
	if res.Course != course.Code || res.Type != repository.ReturnImport {
		return a.fail(c, http.StatusBadRequest, "That pick was for something else", "Open the file picker from this course's page again.")
	}
	for _, f := range res.Files {
		r := Resource{CourseID: course.ID, Kind: KindCopy, Title: f.Name, FileRef: f.Ref, FileName: f.Name,
			ContentType: f.ContentType, Size: f.Size, PickID: res.ID, AddedBy: u.ID, Added: a.now().UTC()}
		if err := a.db.CreateResource(ctx, &r); err != nil {
			return err
		}
	}
	return seeOther(c, back, "added")
}

func (a *app) resourceDelete(c echo.Context) error {
	u, err := a.signedIn(c)
	if err != nil {
		return err
	}
	course, role, err := a.courseAccess(c, u, c.Param("course"))
	if err != nil {
		return err
	}
	if err := a.teacherOnly(c, role); err != nil {
		return err
	}
	ctx := c.Request().Context()
	id, _ := strconv.ParseUint(c.Param("resource"), 10, 32)
	r, err := a.db.Resource(ctx, uint(id))
	if errors.Is(err, errNotFound) || (err == nil && r.CourseID != course.ID) {
		return a.fail(c, http.StatusNotFound, "Not found", "That material is gone already.")
	}
	if err != nil {
		return err
	}
	if err := a.db.DeleteResource(ctx, r.ID); err != nil {
		return err
	}
	if r.FileRef != "" {
		if err := a.sink.Remove(ctx, r.FileRef); err != nil {
			a.log.WarnContext(ctx, "lms: file of a deleted resource not removed", "ref", r.FileRef, "err", err)
		}
	}
	return seeOther(c, "/courses/"+url.PathEscape(course.Code), "deleted")
}

// linkPage is the form for a URL resource; the URL chooser (ocrepo's picker in URL mode) can fill it.
type linkPage struct {
	Course      Course
	Title       string
	URL         string
	Description string
	ChooserURL  string
	Errors      map[string]string
	FromCloud   bool
}

func (a *app) linkNew(c echo.Context) error {
	u, err := a.signedIn(c)
	if err != nil {
		return err
	}
	course, role, err := a.courseAccess(c, u, c.Param("course"))
	if err != nil {
		return err
	}
	if err := a.teacherOnly(c, role); err != nil {
		return err
	}
	p := linkPage{Course: course, Title: c.QueryParam("title"), Description: c.QueryParam("description")}
	if id := c.QueryParam("pick"); id != "" {
		res, err := a.repo.PickResult(c.Request().Context(), u.ID, id)
		if errors.Is(err, repository.ErrNotFound) {
			return a.fail(c, http.StatusNotFound, "Nothing was picked", "Open the link chooser again and choose a file.")
		}
		if err != nil {
			return err
		}
		if res.Type == repository.ReturnLink && len(res.Files) > 0 {
			p.URL, p.FromCloud = res.Files[0].URL, true
			if p.Title == "" {
				p.Title = res.Files[0].Name
			}
		}
	}
	return a.renderLinkForm(c, u, http.StatusOK, p)
}

func (a *app) renderLinkForm(c echo.Context, u User, status int, p linkPage) error {
	base := "/courses/" + url.PathEscape(p.Course.Code)
	p.ChooserURL = a.repo.PickerURL(repository.PickRequest{User: u.ID, Course: p.Course.Code, Mode: repository.ModeURL,
		Want: repository.ReturnLink, Context: courseMaterialsContext(p.Course), ReturnTo: base + "/links/new"})
	return a.render(c, status, "link_new", view{Title: "Add a link", Page: p,
		Crumbs: []crumb{{"My courses", "/"}, {p.Course.Code, base}}})
}

func (a *app) linkCreate(c echo.Context) error {
	u, err := a.signedIn(c)
	if err != nil {
		return err
	}
	course, role, err := a.courseAccess(c, u, c.Param("course"))
	if err != nil {
		return err
	}
	if err := a.teacherOnly(c, role); err != nil {
		return err
	}
	p := linkPage{Course: course, Title: strings.TrimSpace(c.FormValue("title")), URL: strings.TrimSpace(c.FormValue("url")),
		Description: strings.TrimSpace(c.FormValue("description")), Errors: map[string]string{}}
	if p.Title == "" {
		p.Errors["title"] = "Give the link a title."
	}
	if pu, err := url.Parse(p.URL); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		p.Errors["url"] = "Enter a web address starting with https:// (or choose a file from your cloud)."
	}
	if len(p.Errors) > 0 {
		return a.renderLinkForm(c, u, http.StatusUnprocessableEntity, p)
	}
	r := Resource{CourseID: course.ID, Kind: KindLink, Title: p.Title, URL: p.URL, Description: p.Description,
		AddedBy: u.ID, Added: a.now().UTC()}
	if err := a.db.CreateResource(c.Request().Context(), &r); err != nil {
		return err
	}
	return seeOther(c, "/courses/"+url.PathEscape(course.Code), "link_added")
}

// assignmentForm is the new-assignment form.
type assignmentForm struct {
	Course       Course
	Title        string
	Instructions string
	Accept       string
	MaxMB        string
	HandIn       string
	Due          string
	Errors       map[string]string
}

// acceptChoices are the file-type choices the form offers (value: the Accept list).
func acceptChoices() []acceptChoice {
	return []acceptChoice{
		{".pdf", "PDF documents", "PDF documents"},
		{".pdf,.odt,.docx,.md,.txt", "Documents (PDF, Word, OpenDocument, text)", "documents (PDF, Word, OpenDocument or text)"},
		{"image/*", "Images", "images"},
		{"", "Any file", "any file"},
	}
}

// acceptChoice is one file-type choice: the Accept list, the form's label, and words for a sentence.
type acceptChoice struct{ Value, Label, Words string }

func (a *app) assignmentNew(c echo.Context) error {
	u, err := a.signedIn(c)
	if err != nil {
		return err
	}
	course, role, err := a.courseAccess(c, u, c.Param("course"))
	if err != nil {
		return err
	}
	if err := a.teacherOnly(c, role); err != nil {
		return err
	}
	f := assignmentForm{Course: course, Accept: ".pdf", MaxMB: "20", HandIn: HandInEither,
		Due: a.now().AddDate(0, 0, 7).Format("2006-01-02")}
	return a.renderAssignmentForm(c, http.StatusOK, f)
}

func (a *app) renderAssignmentForm(c echo.Context, status int, f assignmentForm) error {
	base := "/courses/" + url.PathEscape(f.Course.Code)
	return a.render(c, status, "assignment_new", view{Title: "New assignment", Page: struct {
		Form    assignmentForm
		Accepts []acceptChoice
	}{f, acceptChoices()}, Crumbs: []crumb{{"My courses", "/"}, {f.Course.Code, base}}})
}

func (a *app) assignmentCreate(c echo.Context) error {
	u, err := a.signedIn(c)
	if err != nil {
		return err
	}
	course, role, err := a.courseAccess(c, u, c.Param("course"))
	if err != nil {
		return err
	}
	if err := a.teacherOnly(c, role); err != nil {
		return err
	}
	f := assignmentForm{Course: course, Title: strings.TrimSpace(c.FormValue("title")), Instructions: strings.TrimSpace(c.FormValue("instructions")),
		Accept: c.FormValue("accept"), MaxMB: strings.TrimSpace(c.FormValue("max_mb")), HandIn: c.FormValue("hand_in"),
		Due: c.FormValue("due"), Errors: map[string]string{}}
	if f.Title == "" {
		f.Errors["title"] = "Give the assignment a title."
	}
	known := false
	for _, ch := range acceptChoices() {
		known = known || ch.Value == f.Accept
	}
	if !known {
		f.Errors["accept"] = "Choose one of the file types."
	}
	maxMB, err := strconv.Atoi(f.MaxMB)
	if err != nil || maxMB < 1 || maxMB > 2048 {
		f.Errors["max_mb"] = "Enter a size between 1 and 2048 MB."
	}
	switch f.HandIn {
	case HandInEither, HandInCopy, HandInControlled:
	default:
		f.Errors["hand_in"] = "Choose how students hand in."
	}
	due, err := time.ParseInLocation("2006-01-02", f.Due, time.Local)
	if err != nil {
		f.Errors["due"] = "Enter the due date as a date."
	}
	if len(f.Errors) > 0 {
		return a.renderAssignmentForm(c, http.StatusUnprocessableEntity, f)
	}
	as := Assignment{CourseID: course.ID, Title: f.Title, Instructions: f.Instructions, Accept: f.Accept, MaxMB: maxMB,
		HandIn: f.HandIn, Due: due.Add(17 * time.Hour), Created: a.now().UTC()}
	if err := a.db.CreateAssignment(c.Request().Context(), &as); err != nil {
		return err
	}
	return seeOther(c, "/assignments/"+strconv.FormatUint(uint64(as.ID), 10), "created")
}
