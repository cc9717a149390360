package main

import (
	"errors"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"
)

// file serves a file imported from the cloud (a submission or course material) to those who may see it: for
// material, the course's members; for a submission, its student and the course's teachers. Site admins see all.
func (a *app) file(c echo.Context) error {
	u, err := a.signedIn(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ref := c.Param("ref")
	owner, name, contentType, err := a.db.FileByRef(ctx, ref)
	if errors.Is(err, errNotFound) {
		return a.fail(c, http.StatusNotFound, "File not found", "It may have been removed.")
	}
	if err != nil {
		return err
	}
	role, err := a.db.CourseRole(ctx, owner.CourseID, u.ID)
	if err != nil {
		return err
	}
	allowed := u.Role == RoleAdmin || role == RoleTeacher ||
		(role == RoleStudent && (owner.StudentID == "" || owner.StudentID == u.ID))
	if !allowed {
		return a.fail(c, http.StatusForbidden, "Not your file", "Only the student who handed it in and the course's teachers may open it.")
	}
	f, err := a.sink.Open(ref)
	if err != nil {
		return a.fail(c, http.StatusNotFound, "File not found", "The file is missing from the LMS's storage.")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	h := c.Response().Header()
	disposition := "attachment"
	switch mt, _, _ := mime.ParseMediaType(contentType); mt {
	case "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp":
		disposition = "inline" // the browser shows these itself; everything else downloads
		h.Set("Content-Type", mt)
	default:
		h.Set("Content-Type", "application/octet-stream")
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	http.ServeContent(c.Response(), c.Request(), "", st.ModTime(), f)
	return nil
}
