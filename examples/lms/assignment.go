package main

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/repository"
)

// assignmentPage is an assignment as a student (their submission) or a teacher (everyone's) sees it.
type assignmentPage struct {
	Course     Course
	Assignment Assignment
	Role       string
	Accepts    string
	Limit      string
	HandIn     string

	// For students.
	Submission *Submission
	FileURL    string // a copy, served by the LMS
	LinkURL    string // an access controlled link, served by ocrepo
	PickerURL  string
	AccessNote string

	// For teachers.
	Rows      []submissionRow
	Submitted int
	DeleteURL string
}

type submissionRow struct {
	Student    User
	Submission *Submission
	FileURL    string
	LinkURL    string
}

// loadAssignment loads the assignment in the URL, its course and the user's role there.
func (a *app) loadAssignment(c echo.Context, u User) (Assignment, Course, string, error) {
	id, err := strconv.ParseUint(c.Param("assignment"), 10, 32)
	if err != nil {
		return Assignment{}, Course{}, "", a.fail(c, http.StatusNotFound, "Assignment not found", "There is no such assignment.")
	}
	ctx := c.Request().Context()
	as, err := a.db.Assignment(ctx, uint(id))
	if errors.Is(err, errNotFound) {
		return Assignment{}, Course{}, "", a.fail(c, http.StatusNotFound, "Assignment not found", "It may have been deleted.")
	}
	if err != nil {
		return Assignment{}, Course{}, "", err
	}
	course, err := a.db.Course(ctx, as.CourseID)
	if err != nil {
		return Assignment{}, Course{}, "", err
	}
	course, role, err := a.courseAccess(c, u, course.Code)
	if err != nil {
		return Assignment{}, Course{}, "", err
	}
	return as, course, role, nil
}

// pickRequest is what a student may pick for an assignment: the file types and size the teacher set, handed in
// the ways the teacher allowed, named by the submission's context, returning to the attach handler.
func (a *app) pickRequest(u User, c Course, as Assignment) repository.PickRequest {
	want := repository.ReturnImport | repository.ReturnControlledLink
	switch as.HandIn {
	case HandInCopy:
		want = repository.ReturnImport
	case HandInControlled:
		want = repository.ReturnControlledLink
	}
	return repository.PickRequest{
		User: u.ID, Course: c.Code, Want: want, Accept: as.AcceptList(), MaxBytes: as.MaxBytes(),
		Context:  submissionContext(c, as, u.ID),
		ReturnTo: "/assignments/" + strconv.FormatUint(uint64(as.ID), 10) + "/attach",
	}
}

func (a *app) assignment(c echo.Context) error {
	u, err := a.signedIn(c)
	if err != nil {
		return err
	}
	as, course, role, err := a.loadAssignment(c, u)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := assignmentPage{Course: course, Assignment: as, Role: role, Accepts: acceptWords(as), Limit: "no size limit",
		HandIn: handInWords(as.HandIn)}
	if as.MaxMB > 0 {
		p.Limit = "up to " + strconv.Itoa(as.MaxMB) + " MB"
	}
	if role == RoleStudent {
		s, err := a.db.Submission(ctx, as.ID, u.ID)
		switch {
		case err == nil:
			p.Submission = &s
			p.FileURL, p.LinkURL = a.submissionURLs(s)
			p.AccessNote = describeAccess(s.Kind)
		case !errors.Is(err, errNotFound):
			return err
		}
		if p.Submission == nil || p.Submission.SubmittedAt == nil {
			p.PickerURL = a.repo.PickerURL(a.pickRequest(u, course, as))
		}
	} else {
		students, err := a.db.Members(ctx, course.ID, RoleStudent)
		if err != nil {
			return err
		}
		for _, st := range students {
			row := submissionRow{Student: st}
			s, err := a.db.Submission(ctx, as.ID, st.ID)
			switch {
			case err == nil:
				row.Submission = &s
				row.FileURL, row.LinkURL = a.submissionURLs(s)
				if s.SubmittedAt != nil {
					p.Submitted++
				}
			case !errors.Is(err, errNotFound):
				return err
			}
			p.Rows = append(p.Rows, row)
		}
		p.DeleteURL = "/assignments/" + strconv.FormatUint(uint64(as.ID), 10) + "/delete"
	}
	return a.render(c, http.StatusOK, "assignment", view{Title: as.Title, Page: p,
		Crumbs: []crumb{{"My courses", "/"}, {course.Code, "/courses/" + url.PathEscape(course.Code)}}})
}

// submissionURLs are where a submission's file opens: the LMS's own file route for copies, ocrepo's controlled
// link page for controlled links.
func (a *app) submissionURLs(s Submission) (file, link string) {
	switch s.Kind {
	case KindCopy:
		return "/files/" + url.PathEscape(s.FileRef), ""
	case KindControlled:
		return "", a.repo.ControlledLinkURL(s.LinkID)
	}
	return "", ""
}

// attach receives the file a student picked: from the LMS's script (POST with the pick id that ocrepo.js posted to
// this page) or from the picker's plain redirect (GET ?pick=<id>). It checks the pick against the assignment and
// stores it as the student's draft.
func (a *app) attach(c echo.Context) error {
	u, err := a.signedIn(c)
	if err != nil {
		return err
	}
	as, course, role, err := a.loadAssignment(c, u)
	if err != nil {
		return err
	}
	if role != RoleStudent {
		return a.fail(c, http.StatusForbidden, "Students only", "Only the course's students hand in work.")
	}
	ctx := c.Request().Context()
	back := "/assignments/" + strconv.FormatUint(uint64(as.ID), 10)
	pickID := c.FormValue("pick")
	old, err := a.db.Submission(ctx, as.ID, u.ID)
	hasOld := err == nil
	if err != nil && !errors.Is(err, errNotFound) {
		return err
	}
	if hasOld && old.PickID == pickID {
		return seeOther(c, back, "already_done") // the script and the redirect both delivered it
	}
	if hasOld && old.SubmittedAt != nil {
		return a.fail(c, http.StatusConflict, "Already submitted", "You submitted this assignment; it can no longer be changed.")
	}
	res, err := a.repo.PickResult(ctx, u.ID, pickID)
	if errors.Is(err, repository.ErrNotFound) {
		return a.fail(c, http.StatusNotFound, "Nothing was picked", "Open the file picker again and choose a file.")
	}
	if err != nil {
		return err
	}
	s, problem, err := a.checkPick(ctx, u, course, as, res)
	if err != nil {
		return err
	}
	if problem != "" {
		a.discardPick(ctx, res)
		return a.fail(c, http.StatusBadRequest, "This file cannot be handed in here", problem)
	}
	if hasOld {
		s.ID = old.ID
	}
	s.Attached = a.now().UTC()
	if err := a.db.SaveSubmission(ctx, &s); err != nil {
		return err
	}
	if hasOld && old.Kind == KindCopy && old.FileRef != s.FileRef {
		if err := a.sink.Remove(ctx, old.FileRef); err != nil {
			a.log.WarnContext(ctx, "lms: replaced file not removed", "ref", old.FileRef, "err", err)
		}
	}
	return seeOther(c, back, "attached")
}

// checkPick turns a pick into a draft submission, or says in words why it does not fit the assignment. ocrepo
// enforced the request's limits already; the LMS checks again what it relies on, because a pick id could be
// carried to another assignment's page.
func (a *app) checkPick(ctx context.Context, u User, course Course, as Assignment, res repository.PickResult) (Submission, string, error) {
	if res.Course != course.Code {
		return Submission{}, "It was picked for another course. Open the file picker from this assignment.", nil
	}
	if len(res.Files) != 1 {
		return Submission{}, "Hand in exactly one file.", nil
	}
	f := res.Files[0]
	s := Submission{AssignmentID: as.ID, StudentID: u.ID, PickID: res.ID, FileName: f.Name, ContentType: f.ContentType, Size: f.Size}
	switch res.Type {
	case repository.ReturnImport:
		if as.HandIn == HandInControlled {
			return Submission{}, "This assignment takes files that stay in your cloud (an access controlled link), not copies.", nil
		}
		if why := fits(as, f.Name, f.ContentType, f.Size); why != "" {
			return Submission{}, why, nil
		}
		if _, _, _, err := a.db.FileByRef(ctx, f.Ref); err == nil {
			return Submission{}, "This copy is handed in elsewhere already. Pick the file again.", nil
		}
		s.Kind, s.FileRef = KindCopy, f.Ref
	case repository.ReturnControlledLink:
		if as.HandIn == HandInCopy {
			return Submission{}, "This assignment takes a copy of the file, not a link to it.", nil
		}
		info, err := a.repo.ControlledLink(ctx, f.ControlledLinkID)
		if err != nil {
			return Submission{}, "", err
		}
		if info.Owner != u.ID || !slices.Equal(info.Context, submissionContext(course, as, u.ID)) {
			return Submission{}, "It was picked for another assignment. Open the file picker from this assignment.", nil
		}
		if why := fits(as, f.Name, f.ContentType, 0); why != "" {
			return Submission{}, why, nil
		}
		s.Kind, s.LinkID = KindControlled, f.ControlledLinkID
	default:
		return Submission{}, "Public links cannot be handed in. Choose a copy or an access controlled link.", nil
	}
	return s, "", nil
}

// discardPick removes the copies of a refused pick that nothing else uses.
func (a *app) discardPick(ctx context.Context, res repository.PickResult) {
	if res.Type != repository.ReturnImport {
		return
	}
	for _, f := range res.Files {
		if _, _, _, err := a.db.FileByRef(ctx, f.Ref); errors.Is(err, errNotFound) {
			if err := a.sink.Remove(ctx, f.Ref); err != nil {
				a.log.WarnContext(ctx, "lms: refused file not removed", "ref", f.Ref, "err", err)
			}
		}
	}
}

// fits checks a file against the assignment's types and size ("" when it fits).
func fits(as Assignment, name, contentType string, size int64) string {
	if as.MaxMB > 0 && size > as.MaxBytes() {
		return "The file is larger than " + strconv.Itoa(as.MaxMB) + " MB."
	}
	accept := as.AcceptList()
	if len(accept) == 0 {
		return ""
	}
	ext := strings.ToLower(path.Ext(name))
	mt, _, _ := mime.ParseMediaType(contentType)
	for _, pat := range accept {
		switch {
		case strings.HasPrefix(pat, "."):
			if ext == strings.ToLower(pat) {
				return ""
			}
		case strings.HasSuffix(pat, "/*"):
			if strings.HasPrefix(mt, strings.TrimSuffix(pat, "*")) || strings.HasPrefix(mime.TypeByExtension(ext), strings.TrimSuffix(pat, "*")) {
				return ""
			}
		case mt == pat:
			return ""
		}
	}
	return "This assignment takes " + acceptWords(as) + "."
}

// submit hands the draft in. For an access controlled link the LMS tells ocrepo first (MarkSubmitted), which
// makes the file read-only for the student at the cloud; only then is the submission recorded.
func (a *app) submit(c echo.Context) error {
	u, err := a.signedIn(c)
	if err != nil {
		return err
	}
	as, _, role, err := a.loadAssignment(c, u)
	if err != nil {
		return err
	}
	if role != RoleStudent {
		return a.fail(c, http.StatusForbidden, "Students only", "Only the course's students hand in work.")
	}
	ctx := c.Request().Context()
	back := "/assignments/" + strconv.FormatUint(uint64(as.ID), 10)
	s, err := a.db.Submission(ctx, as.ID, u.ID)
	if errors.Is(err, errNotFound) {
		return a.fail(c, http.StatusConflict, "Nothing to submit", "Attach a file first.")
	}
	if err != nil {
		return err
	}
	if s.SubmittedAt != nil {
		return seeOther(c, back, "submitted")
	}
	if s.Kind == KindControlled {
		if err := a.repo.MarkSubmitted(ctx, s.LinkID); err != nil {
			a.log.WarnContext(ctx, "lms: mark submitted", "link", s.LinkID, "err", err)
			return a.fail(c, http.StatusBadGateway, "The cloud did not answer", "Your file could not be locked for submission. Try again in a moment.")
		}
	}
	now := a.now().UTC()
	s.SubmittedAt = &now
	if err := a.db.SaveSubmission(ctx, &s); err != nil {
		return err
	}
	return seeOther(c, back, "submitted")
}

// removeDraft takes the attached file off a draft. A copy is deleted; an access controlled link stays in the
// cloud and ocrepo reports it as an orphan (the Items hook says its submission is gone).
func (a *app) removeDraft(c echo.Context) error {
	u, err := a.signedIn(c)
	if err != nil {
		return err
	}
	as, _, role, err := a.loadAssignment(c, u)
	if err != nil {
		return err
	}
	if role != RoleStudent {
		return a.fail(c, http.StatusForbidden, "Students only", "Only the course's students hand in work.")
	}
	ctx := c.Request().Context()
	back := "/assignments/" + strconv.FormatUint(uint64(as.ID), 10)
	s, err := a.db.Submission(ctx, as.ID, u.ID)
	if errors.Is(err, errNotFound) {
		return seeOther(c, back, "removed")
	}
	if err != nil {
		return err
	}
	if s.SubmittedAt != nil {
		return a.fail(c, http.StatusConflict, "Already submitted", "You submitted this assignment; it can no longer be changed.")
	}
	if err := a.db.DeleteSubmission(ctx, s.ID); err != nil {
		return err
	}
	if s.Kind == KindCopy {
		if err := a.sink.Remove(ctx, s.FileRef); err != nil {
			a.log.WarnContext(ctx, "lms: removed file not deleted", "ref", s.FileRef, "err", err)
		}
	}
	return seeOther(c, back, "removed")
}

// assignmentDelete removes an assignment with its submissions (teachers only).
func (a *app) assignmentDelete(c echo.Context) error {
	u, err := a.signedIn(c)
	if err != nil {
		return err
	}
	as, course, role, err := a.loadAssignment(c, u)
	if err != nil {
		return err
	}
	if err := a.teacherOnly(c, role); err != nil {
		return err
	}
	ctx := c.Request().Context()
	subs, err := a.db.DeleteAssignment(ctx, as.ID)
	if err != nil {
		return err
	}
	for _, s := range subs {
		if s.Kind == KindCopy {
			if err := a.sink.Remove(ctx, s.FileRef); err != nil {
				a.log.WarnContext(ctx, "lms: file of a deleted assignment not removed", "ref", s.FileRef, "err", err)
			}
		}
	}
	return seeOther(c, "/courses/"+url.PathEscape(course.Code), "deleted")
}

func acceptWords(as Assignment) string {
	for _, ch := range acceptChoices() {
		if ch.Value == as.Accept {
			return ch.Words
		}
	}
	return strings.Join(as.AcceptList(), ", ")
}

func handInWords(h string) string {
	switch h {
	case HandInCopy:
		return "a copy of the file, kept in the LMS"
	case HandInControlled:
		return "a file that stays in your cloud (an access controlled link)"
	}
	return "a copy, or a file that stays in your cloud (an access controlled link)"
}
