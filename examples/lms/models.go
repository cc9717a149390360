package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// The LMS keeps its own data in its own tables (prefix lms_) in the same database as ocrepo's (prefix ocrepo_).
// ocrepo never reads these tables: it learns what it needs through the hooks in hooks.go.

// Roles of LMS users and of course members.
const (
	RoleAdmin   = "admin"   // site administrator
	RoleTeacher = "teacher" // in lms_users: teaches somewhere; in lms_members: teaches this course
	RoleStudent = "student"
)

// User is a person who can sign in to the LMS.
type User struct {
	ID    string `gorm:"primaryKey;size:64"`
	Name  string `gorm:"size:200;not null"`
	Email string `gorm:"size:200"`
	Role  string `gorm:"size:16;not null"` // admin, teacher or student: what the switcher shows
}

// TableName keeps the LMS's tables apart from ocrepo's.
func (User) TableName() string { return "lms_users" }

// Course is a course; Code is what ocrepo knows it by (the course string of pick requests and course settings).
type Course struct {
	ID      uint   `gorm:"primaryKey"`
	Code    string `gorm:"size:32;uniqueIndex;not null"`
	Title   string `gorm:"size:200;not null"`
	Summary string `gorm:"size:2000"`
}

// TableName keeps the LMS's tables apart from ocrepo's.
func (Course) TableName() string { return "lms_courses" }

// Member enrols a user in a course as a teacher or a student.
type Member struct {
	CourseID uint   `gorm:"primaryKey"`
	UserID   string `gorm:"primaryKey;size:64"`
	Role     string `gorm:"size:16;not null"`
}

// TableName keeps the LMS's tables apart from ocrepo's.
func (Member) TableName() string { return "lms_members" }

// How students may hand in an assignment.
const (
	HandInEither     = "either"     // a copy in the LMS or an access controlled link
	HandInCopy       = "copy"       // a copy in the LMS only (ocrepo: import)
	HandInControlled = "controlled" // an access controlled link only: the file stays in the cloud
)

// Assignment is a task students hand a file in for.
type Assignment struct {
	ID           uint      `gorm:"primaryKey"`
	CourseID     uint      `gorm:"index;not null"`
	Title        string    `gorm:"size:200;not null"`
	Instructions string    `gorm:"size:4000"`
	Accept       string    `gorm:"size:200"` // comma-separated: ".pdf,image/*"; empty accepts any file
	MaxMB        int       `gorm:"not null"` // largest file in MiB; 0: no limit
	HandIn       string    `gorm:"size:16;not null"`
	Due          time.Time `gorm:"not null"`
	Created      time.Time `gorm:"not null"`
}

// TableName keeps the LMS's tables apart from ocrepo's.
func (Assignment) TableName() string { return "lms_assignments" }

// AcceptList is Accept as ocrepo's PickRequest.Accept wants it.
func (a Assignment) AcceptList() []string {
	var out []string
	for _, s := range strings.Split(a.Accept, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// MaxBytes is the size limit in bytes (0: none).
func (a Assignment) MaxBytes() int64 { return int64(a.MaxMB) << 20 }

// Kinds of submitted files and resources.
const (
	KindCopy       = "copy"       // imported: the bytes live in the LMS's file store (sink.go)
	KindControlled = "controlled" // an ocrepo access controlled link: the file stays in the cloud
	KindLink       = "link"       // a plain URL (the URL chooser's public share link, or typed by hand)
)

// Submission is one student's hand-in for an assignment: first a draft with a file attached, then submitted.
type Submission struct {
	ID           uint   `gorm:"primaryKey"`
	AssignmentID uint   `gorm:"uniqueIndex:lms_submission_once;not null"`
	StudentID    string `gorm:"uniqueIndex:lms_submission_once;size:64;not null"`
	PickID       string `gorm:"size:64"` // the ocrepo pick it came from, so a repeated hand-over is harmless
	Kind         string `gorm:"size:16;not null"`
	FileName     string `gorm:"size:300;not null"`
	ContentType  string `gorm:"size:200"`
	Size         int64
	FileRef      string `gorm:"size:100"` // copies: the sink's reference
	LinkID       int64  // controlled links: ocrepo's id
	Attached     time.Time
	SubmittedAt  *time.Time // nil while a draft
}

// TableName keeps the LMS's tables apart from ocrepo's.
func (Submission) TableName() string { return "lms_submissions" }

// Resource is course material: a file copied into the LMS or a link.
type Resource struct {
	ID          uint   `gorm:"primaryKey"`
	CourseID    uint   `gorm:"index;not null"`
	Kind        string `gorm:"size:16;not null"` // copy or link
	Title       string `gorm:"size:300;not null"`
	Description string `gorm:"size:2000"`
	URL         string `gorm:"size:2000"`
	FileRef     string `gorm:"size:100"`
	FileName    string `gorm:"size:300"`
	ContentType string `gorm:"size:200"`
	Size        int64
	PickID      string `gorm:"size:64"`
	AddedBy     string `gorm:"size:64"`
	Added       time.Time
}

// TableName keeps the LMS's tables apart from ocrepo's.
func (Resource) TableName() string { return "lms_resources" }

// Setting is a small key-value record (for example: whether ocrepo was seeded on the first start).
type Setting struct {
	Name  string `gorm:"primaryKey;size:64"`
	Value string `gorm:"size:2000"`
}

// TableName keeps the LMS's tables apart from ocrepo's.
func (Setting) TableName() string { return "lms_settings" }

// DB is the LMS's data access: plain GORM queries, one method per question the pages and hooks ask.
type DB struct{ g *gorm.DB }

// errNotFound is what lookups return for missing rows.
var errNotFound = errors.New("lms: not found")

func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("lms: %s: %w", what, errNotFound)
	}
	return fmt.Errorf("lms: %s: %w", what, err)
}

// Migrate creates or updates the LMS's tables.
func (d DB) Migrate(ctx context.Context) error {
	if err := d.g.WithContext(ctx).AutoMigrate(&User{}, &Course{}, &Member{}, &Assignment{}, &Submission{}, &Resource{}, &Setting{}); err != nil {
		return fmt.Errorf("lms: migrate: %w", err)
	}
	return nil
}

// Setting returns a setting's value, or "" when unset.
func (d DB) Setting(ctx context.Context, key string) (string, error) {
	var s Setting
	err := d.g.WithContext(ctx).Where("name = ?", key).Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("lms: setting %s: %w", key, err)
	}
	return s.Value, nil
}

// SetSetting stores a setting.
func (d DB) SetSetting(ctx context.Context, key, value string) error {
	if err := d.g.WithContext(ctx).Save(&Setting{Name: key, Value: value}).Error; err != nil {
		return fmt.Errorf("lms: set %s: %w", key, err)
	}
	return nil
}

// User returns a user.
func (d DB) User(ctx context.Context, id string) (User, error) {
	var u User
	if err := d.g.WithContext(ctx).Where("id = ?", id).Take(&u).Error; err != nil {
		return User{}, notFound(err, "user "+id)
	}
	return u, nil
}

// Users lists everyone, admins first, then teachers, then students.
func (d DB) Users(ctx context.Context) ([]User, error) {
	var us []User
	err := d.g.WithContext(ctx).
		Order("CASE role WHEN 'admin' THEN 0 WHEN 'teacher' THEN 1 ELSE 2 END").Order("name").Find(&us).Error
	if err != nil {
		return nil, fmt.Errorf("lms: users: %w", err)
	}
	return us, nil
}

// Course returns a course by id.
func (d DB) Course(ctx context.Context, id uint) (Course, error) {
	var c Course
	if err := d.g.WithContext(ctx).Where("id = ?", id).Take(&c).Error; err != nil {
		return Course{}, notFound(err, "course "+strconv.FormatUint(uint64(id), 10))
	}
	return c, nil
}

// CourseByCode returns a course by the code ocrepo knows it by.
func (d DB) CourseByCode(ctx context.Context, code string) (Course, error) {
	var c Course
	if err := d.g.WithContext(ctx).Where("code = ?", code).Take(&c).Error; err != nil {
		return Course{}, notFound(err, "course "+code)
	}
	return c, nil
}

// CourseRole is the user's role in a course: teacher, student, or "" when not a member.
func (d DB) CourseRole(ctx context.Context, courseID uint, userID string) (string, error) {
	var m Member
	err := d.g.WithContext(ctx).Where("course_id = ? AND user_id = ?", courseID, userID).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("lms: membership: %w", err)
	}
	return m.Role, nil
}

// CourseWithRole is a course and the user's role in it.
type CourseWithRole struct {
	Course
	Role string
}

// CoursesOf lists the courses a user belongs to; admins see every course (with their role where they have one).
func (d DB) CoursesOf(ctx context.Context, u User) ([]CourseWithRole, error) {
	var cs []Course
	if err := d.g.WithContext(ctx).Order("code").Find(&cs).Error; err != nil {
		return nil, fmt.Errorf("lms: courses: %w", err)
	}
	var ms []Member
	if err := d.g.WithContext(ctx).Where("user_id = ?", u.ID).Find(&ms).Error; err != nil {
		return nil, fmt.Errorf("lms: memberships: %w", err)
	}
	roles := map[uint]string{}
	for _, m := range ms {
		roles[m.CourseID] = m.Role
	}
	var out []CourseWithRole
	for _, c := range cs {
		r := roles[c.ID]
		if r == "" && u.Role != RoleAdmin {
			continue
		}
		out = append(out, CourseWithRole{Course: c, Role: r})
	}
	return out, nil
}

// Members lists a course's members with a role, by name.
func (d DB) Members(ctx context.Context, courseID uint, role string) ([]User, error) {
	var us []User
	err := d.g.WithContext(ctx).Joins("JOIN lms_members ON lms_members.user_id = lms_users.id").
		Where("lms_members.course_id = ? AND lms_members.role = ?", courseID, role).Order("lms_users.name").Find(&us).Error
	if err != nil {
		return nil, fmt.Errorf("lms: members: %w", err)
	}
	return us, nil
}

// Assignment returns an assignment.
func (d DB) Assignment(ctx context.Context, id uint) (Assignment, error) {
	var a Assignment
	if err := d.g.WithContext(ctx).Where("id = ?", id).Take(&a).Error; err != nil {
		return Assignment{}, notFound(err, "assignment "+strconv.FormatUint(uint64(id), 10))
	}
	return a, nil
}

// Assignments lists a course's assignments by due date.
func (d DB) Assignments(ctx context.Context, courseID uint) ([]Assignment, error) {
	var as []Assignment
	if err := d.g.WithContext(ctx).Where("course_id = ?", courseID).Order("due, id").Find(&as).Error; err != nil {
		return nil, fmt.Errorf("lms: assignments: %w", err)
	}
	return as, nil
}

// CreateAssignment stores a new assignment.
func (d DB) CreateAssignment(ctx context.Context, a *Assignment) error {
	if err := d.g.WithContext(ctx).Create(a).Error; err != nil {
		return fmt.Errorf("lms: create assignment: %w", err)
	}
	return nil
}

// DeleteAssignment removes an assignment with its submissions and returns the removed submissions (so the
// caller can remove their files).
func (d DB) DeleteAssignment(ctx context.Context, id uint) ([]Submission, error) {
	var subs []Submission
	err := d.g.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("assignment_id = ?", id).Find(&subs).Error; err != nil {
			return err
		}
		if err := tx.Where("assignment_id = ?", id).Delete(&Submission{}).Error; err != nil {
			return err
		}
		return tx.Where("id = ?", id).Delete(&Assignment{}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("lms: delete assignment %d: %w", id, err)
	}
	return subs, nil
}

// Submission returns a student's submission for an assignment.
func (d DB) Submission(ctx context.Context, assignmentID uint, studentID string) (Submission, error) {
	var s Submission
	err := d.g.WithContext(ctx).Where("assignment_id = ? AND student_id = ?", assignmentID, studentID).Take(&s).Error
	if err != nil {
		return Submission{}, notFound(err, "submission")
	}
	return s, nil
}

// Submissions lists an assignment's submissions.
func (d DB) Submissions(ctx context.Context, assignmentID uint) ([]Submission, error) {
	var ss []Submission
	if err := d.g.WithContext(ctx).Where("assignment_id = ?", assignmentID).Find(&ss).Error; err != nil {
		return nil, fmt.Errorf("lms: submissions: %w", err)
	}
	return ss, nil
}

// SaveSubmission creates or replaces a student's draft for an assignment.
func (d DB) SaveSubmission(ctx context.Context, s *Submission) error {
	if err := d.g.WithContext(ctx).Save(s).Error; err != nil {
		return fmt.Errorf("lms: save submission: %w", err)
	}
	return nil
}

// DeleteSubmission removes a submission.
func (d DB) DeleteSubmission(ctx context.Context, id uint) error {
	if err := d.g.WithContext(ctx).Where("id = ?", id).Delete(&Submission{}).Error; err != nil {
		return fmt.Errorf("lms: delete submission: %w", err)
	}
	return nil
}

// Resources lists a course's materials, newest first.
func (d DB) Resources(ctx context.Context, courseID uint) ([]Resource, error) {
	var rs []Resource
	if err := d.g.WithContext(ctx).Where("course_id = ?", courseID).Order("added DESC, id DESC").Find(&rs).Error; err != nil {
		return nil, fmt.Errorf("lms: resources: %w", err)
	}
	return rs, nil
}

// Resource returns a resource.
func (d DB) Resource(ctx context.Context, id uint) (Resource, error) {
	var r Resource
	if err := d.g.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return Resource{}, notFound(err, "resource")
	}
	return r, nil
}

// ResourceByPick finds the resource made from an ocrepo pick.
func (d DB) ResourceByPick(ctx context.Context, courseID uint, pickID string) (Resource, error) {
	var r Resource
	if err := d.g.WithContext(ctx).Where("course_id = ? AND pick_id = ?", courseID, pickID).Take(&r).Error; err != nil {
		return Resource{}, notFound(err, "resource")
	}
	return r, nil
}

// CreateResource stores new course material.
func (d DB) CreateResource(ctx context.Context, r *Resource) error {
	if err := d.g.WithContext(ctx).Create(r).Error; err != nil {
		return fmt.Errorf("lms: create resource: %w", err)
	}
	return nil
}

// DeleteResource removes course material.
func (d DB) DeleteResource(ctx context.Context, id uint) error {
	if err := d.g.WithContext(ctx).Where("id = ?", id).Delete(&Resource{}).Error; err != nil {
		return fmt.Errorf("lms: delete resource: %w", err)
	}
	return nil
}

// FileOwner says which row references an imported file, for the access check when serving it.
type FileOwner struct {
	CourseID  uint
	StudentID string // "" for course material
}

// FileByRef finds the submission or resource that references a stored file.
func (d DB) FileByRef(ctx context.Context, ref string) (FileOwner, string, string, error) {
	var s Submission
	err := d.g.WithContext(ctx).Where("file_ref = ?", ref).Take(&s).Error
	if err == nil {
		a, err := d.Assignment(ctx, s.AssignmentID)
		if err != nil {
			return FileOwner{}, "", "", err
		}
		return FileOwner{CourseID: a.CourseID, StudentID: s.StudentID}, s.FileName, s.ContentType, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return FileOwner{}, "", "", fmt.Errorf("lms: file %s: %w", ref, err)
	}
	var r Resource
	if err := d.g.WithContext(ctx).Where("file_ref = ?", ref).Take(&r).Error; err != nil {
		return FileOwner{}, "", "", notFound(err, "file "+ref)
	}
	return FileOwner{CourseID: r.CourseID}, r.FileName, r.ContentType, nil
}
