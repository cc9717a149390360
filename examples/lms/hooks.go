package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/ocrepo/ocrepo/repository"
)

// Hooks is how ocrepo asks the LMS about its people and courses. Each method implements one of the hook
// interfaces of repository.Config; they read the LMS's own tables and nothing else. Copy and adapt.
type Hooks struct {
	db       DB
	sessions sessions
}

// The hooks Hooks implements.
var (
	_ repository.Users                = (*Hooks)(nil)
	_ repository.Admins               = (*Hooks)(nil)
	_ repository.CourseManagers       = (*Hooks)(nil)
	_ repository.ControlledLinkAccess = (*Hooks)(nil)
	_ repository.Items                = (*Hooks)(nil)
)

// CurrentUser (Config.Users) is the signed-in user from the LMS's session cookie, or ErrNotSignedIn. ocrepo calls
// it on every request to its pages.
func (h *Hooks) CurrentUser(r *http.Request) (repository.User, error) {
	id, err := h.sessions.user(r)
	if err != nil {
		return repository.User{}, repository.ErrNotSignedIn
	}
	u, err := h.db.User(r.Context(), id)
	if errors.Is(err, errNotFound) {
		return repository.User{}, repository.ErrNotSignedIn // a cookie for a user who no longer exists
	}
	if err != nil {
		return repository.User{}, err
	}
	return repository.User{ID: u.ID, Name: u.Name, Email: u.Email}, nil
}

// IsAdmin (Config.Admins): site administrators manage cloud servers, the system account and instances.
func (h *Hooks) IsAdmin(ctx context.Context, u repository.User) (bool, error) {
	lu, err := h.db.User(ctx, u.ID)
	if errors.Is(err, errNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return lu.Role == RoleAdmin, nil
}

// CanManageCourse (Config.CourseManagers): a course's teachers choose which repository instances it offers, on
// ocrepo's course settings page. (ocrepo lets site admins in by itself.) course is the course code.
func (h *Hooks) CanManageCourse(ctx context.Context, u repository.User, course string) (bool, error) {
	role, err := h.roleIn(ctx, u.ID, course)
	return role == RoleTeacher, err
}

// ControlledLinkAccess (Config.LinkAccess) decides what someone may do with an access controlled link, which in
// this LMS is always a student's submission:
//   - the course's teachers edit it (they get an edit share in their own cloud if they ask);
//   - its owner edits it until they submit; ocrepo itself lowers the owner to read-only once the LMS calls
//     MarkSubmitted, whatever this hook says;
//   - site administrators view it (read-only, streamed, no share);
//   - classmates and everybody else: no access. Submissions are private in this LMS.
func (h *Hooks) ControlledLinkAccess(ctx context.Context, viewer repository.User, link repository.ControlledLinkInfo) (repository.Access, error) {
	role, err := h.roleIn(ctx, viewer.ID, link.Course)
	if err != nil {
		return repository.AccessNone, err
	}
	switch {
	case role == RoleTeacher:
		return repository.AccessEdit, nil
	case viewer.ID == link.Owner:
		return repository.AccessEdit, nil
	}
	admin, err := h.IsAdmin(ctx, viewer)
	if err != nil {
		return repository.AccessNone, err
	}
	if admin {
		return repository.AccessView, nil
	}
	return repository.AccessNone, nil
}

// ItemExists (Config.Items) tells ocrepo whether the LMS item a controlled link was made for still exists, so
// that links whose assignment or submission was deleted show up as orphans. The context is the one the LMS put
// in the pick request (submissionContext): course code, "assignment <id>", student id.
func (h *Hooks) ItemExists(ctx context.Context, course string, lmsContext []string) (bool, error) {
	c, err := h.db.CourseByCode(ctx, course)
	if errors.Is(err, errNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	aid, student, ok := parseSubmissionContext(lmsContext)
	if !ok {
		return true, nil // not a context this LMS makes: not ours to call an orphan
	}
	a, err := h.db.Assignment(ctx, aid)
	if errors.Is(err, errNotFound) || (err == nil && a.CourseID != c.ID) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s, err := h.db.Submission(ctx, a.ID, student)
	if errors.Is(err, errNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return s.Kind == KindControlled, nil
}

// roleIn is the user's role in the course with this code ("" when not a member or no such course).
func (h *Hooks) roleIn(ctx context.Context, userID, code string) (string, error) {
	c, err := h.db.CourseByCode(ctx, code)
	if errors.Is(err, errNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return h.db.CourseRole(ctx, c.ID, userID)
}

// submissionContext is the LMS context of a student's submission. ocrepo names the system account's folder
// chain after it ("LMS files/BIO101/assignment 3/alice") and hands it back to ItemExists.
func submissionContext(c Course, a Assignment, studentID string) []string {
	return []string{c.Code, "assignment " + strconv.FormatUint(uint64(a.ID), 10), studentID}
}

func parseSubmissionContext(ctx []string) (assignment uint, student string, ok bool) {
	if len(ctx) != 3 {
		return 0, "", false
	}
	n, found := strings.CutPrefix(ctx[1], "assignment ")
	if !found {
		return 0, "", false
	}
	id, err := strconv.ParseUint(n, 10, 32)
	if err != nil || ctx[2] == "" {
		return 0, "", false
	}
	return uint(id), ctx[2], true
}

// courseMaterialsContext is the LMS context of files a teacher adds to a course.
func courseMaterialsContext(c Course) []string { return []string{c.Code, "materials"} }

// describeAccess is for the LMS's own pages: who may see a submission, in words.
func describeAccess(kind string) string {
	if kind == KindControlled {
		return "The file stays in your cloud. You can keep editing it until you submit; then it becomes read-only for you. Your teachers can open and edit it."
	}
	return "A copy is kept in the LMS. Changes you make in your cloud afterwards are not part of the submission."
}
