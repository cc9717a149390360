// Package host holds what a host application and ocrepo say to each other: the signed-in user, the hooks a host
// implements (who is signed in, who is an admin, which courses enable which repository instance, where imported
// bytes go, who may open an access controlled link), and the pick requests and results that cross between them.
//
// It is a leaf package (standard library only) so that hosts can implement the hooks without importing the rest of
// ocrepo; package repository re-exports these names by alias.
package host

import (
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// ErrNotSignedIn is what a Users hook returns when the request carries no signed-in user.
var ErrNotSignedIn = errors.New("host: not signed in")

// User is a person as the host knows them. ID is the host's stable identifier; Name is shown in pages.
type User struct {
	ID    string
	Name  string
	Email string
}

// Users tells ocrepo who made a request. It is called on every request to the mounted group.
type Users interface {
	// CurrentUser returns the signed-in user, or ErrNotSignedIn.
	CurrentUser(r *http.Request) (User, error)
}

// UsersFunc adapts a function to Users.
type UsersFunc func(r *http.Request) (User, error)

// CurrentUser calls f(r).
func (f UsersFunc) CurrentUser(r *http.Request) (User, error) { return f(r) }

// Admins decides who may manage cloud servers (issuers), the system account and repository instances.
type Admins interface {
	IsAdmin(ctx context.Context, u User) (bool, error)
}

// AdminsFunc adapts a function to Admins.
type AdminsFunc func(ctx context.Context, u User) (bool, error)

// IsAdmin calls f(ctx, u).
func (f AdminsFunc) IsAdmin(ctx context.Context, u User) (bool, error) { return f(ctx, u) }

// CourseManagers decides who may enable or disable repository instances for a course, and who may see the
// course's access controlled links (teachers).
type CourseManagers interface {
	CanManageCourse(ctx context.Context, u User, course string) (bool, error)
}

// CourseManagersFunc adapts a function to CourseManagers.
type CourseManagersFunc func(ctx context.Context, u User, course string) (bool, error)

// CanManageCourse calls f(ctx, u, course).
func (f CourseManagersFunc) CanManageCourse(ctx context.Context, u User, course string) (bool, error) {
	return f(ctx, u, course)
}

// CourseSettings says whether a repository instance is enabled for a course. ocrepo ships a store-backed default
// (every instance is enabled for a course until a course manager disables it); a host that keeps course settings
// itself replaces it entirely.
type CourseSettings interface {
	InstanceEnabled(ctx context.Context, course string, instanceID int64) (bool, error)
	SetInstanceEnabled(ctx context.Context, course string, instanceID int64, enabled bool) error
}

// FileInfo describes a file on its way into the host.
type FileInfo struct {
	Name        string // base name as the cloud shows it
	ContentType string
	Size        int64 // as listed by the cloud; the stream is checked against it and against the request's MaxBytes
	Modified    time.Time
	Course      string
	Context     []string // the pick request's LMS context
	User        User     // who imported it
}

// FileSink receives imported files. Store must read r to io.EOF and return the host's reference to the stored
// file; when r returns any other error (the cloud failed mid-stream, the size limit was passed, the user
// cancelled), Store must discard what it wrote and return an error: a failed import leaves nothing behind.
type FileSink interface {
	Store(ctx context.Context, f FileInfo, r io.Reader) (ref string, err error)
}

// FileSinkFunc adapts a function to FileSink.
type FileSinkFunc func(ctx context.Context, f FileInfo, r io.Reader) (string, error)

// Store calls f(ctx, fi, r).
func (f FileSinkFunc) Store(ctx context.Context, fi FileInfo, r io.Reader) (string, error) {
	return f(ctx, fi, r)
}

// Access is what a viewer may do with an access controlled link.
type Access int

// The access levels, weakest first.
const (
	AccessNone Access = iota // may not open it
	AccessView               // may read it (streamed, no share), and ask for a read-only share into their cloud
	AccessEdit               // gets an edit share of the system account's copy
)

// String names the access level.
func (a Access) String() string {
	switch a {
	case AccessView:
		return "view"
	case AccessEdit:
		return "edit"
	default:
		return "none"
	}
}

// ControlledLinkInfo is what the host is told about an access controlled link when it decides access.
type ControlledLinkInfo struct {
	ID        int64
	Course    string
	Context   []string
	Owner     string // host user ID of whoever picked the file
	Name      string
	Submitted bool // the host marked it submitted: the owner keeps read access only
}

// ControlledLinkAccess decides what a viewer may do with an access controlled link. ocrepo itself lowers the
// owner's access to AccessView once the link is submitted, whatever the hook says.
type ControlledLinkAccess interface {
	ControlledLinkAccess(ctx context.Context, viewer User, link ControlledLinkInfo) (Access, error)
}

// ControlledLinkAccessFunc adapts a function to ControlledLinkAccess.
type ControlledLinkAccessFunc func(ctx context.Context, viewer User, link ControlledLinkInfo) (Access, error)

// ControlledLinkAccess calls f(ctx, viewer, link).
func (f ControlledLinkAccessFunc) ControlledLinkAccess(ctx context.Context, viewer User, link ControlledLinkInfo) (Access, error) {
	return f(ctx, viewer, link)
}

// Items reports whether the LMS item a controlled link belongs to still exists, for orphan detection.
type Items interface {
	ItemExists(ctx context.Context, course string, lmsContext []string) (bool, error)
}

// ItemsFunc adapts a function to Items.
type ItemsFunc func(ctx context.Context, course string, lmsContext []string) (bool, error)

// ItemExists calls f(ctx, course, lmsContext).
func (f ItemsFunc) ItemExists(ctx context.Context, course string, lmsContext []string) (bool, error) {
	return f(ctx, course, lmsContext)
}

// ReturnType is a set of ways a picked file may come back to the host.
type ReturnType uint8

// The return types. They combine as a bit set.
const (
	ReturnImport         ReturnType = 1 << iota // the bytes are copied into the host's FileSink ("internal")
	ReturnLink                                  // a public share link ("external")
	ReturnControlledLink                        // an access controlled link owned by the system account

	ReturnAny = ReturnImport | ReturnLink | ReturnControlledLink
)

// Has reports whether every type in o is in t.
func (t ReturnType) Has(o ReturnType) bool { return o != 0 && t&o == o }

// String names the set, for logs and forms.
func (t ReturnType) String() string {
	if t == 0 {
		return "none"
	}
	s := ""
	add := func(name string) {
		if s != "" {
			s += "+"
		}
		s += name
	}
	if t.Has(ReturnImport) {
		add("import")
	}
	if t.Has(ReturnLink) {
		add("link")
	}
	if t.Has(ReturnControlledLink) {
		add("controlled")
	}
	return s
}

// Mode is what the picker is opened for.
type Mode uint8

// The picker's modes.
const (
	ModeFile Mode = iota // pick files, returned in any of the allowed return types
	ModeURL              // the URL-resource chooser: links only, handed back to the host's form
)

// PickRequest is what a host allows a user to pick. The picker URL carries it signed, so the user cannot widen it.
type PickRequest struct {
	User     string     // host user ID; the picker refuses anyone else
	Course   string     // course ID, for course-level enablement
	Want     ReturnType // return types the host accepts; ReturnAny when zero
	Mode     Mode
	Accept   []string // file types: ".pdf", "image/*", "application/pdf"; empty accepts all
	MaxBytes int64    // largest file for imports; 0 means no limit
	Multiple bool     // several files at once
	Context  []string // the LMS context (course, activity, item): names the controlled-link folder chain
	ReturnTo string   // host path (same origin) the picker returns to with ?pick=<id>
	Expires  time.Time
}

// PickedFile is one picked file as the host receives it.
type PickedFile struct {
	Name             string
	ContentType      string
	Size             int64
	Ref              string `json:",omitempty"` // the FileSink's reference, for imports
	URL              string `json:",omitempty"` // the public link, for links
	DownloadURL      string `json:",omitempty"` // a direct download of the public link
	ControlledLinkID int64  `json:",omitempty"` // for access controlled links
	ControlledURL    string `json:",omitempty"` // where the host links viewers to, for access controlled links
}

// PickResult is what a completed pick hands back to the host.
type PickResult struct {
	ID         string
	User       string
	Course     string
	InstanceID int64
	Type       ReturnType // exactly one of the return types
	Files      []PickedFile
	Created    time.Time
}

// FileRemover is an optional extension of FileSink: when a multi-file import fails after some files were stored,
// ocrepo removes them again so that a failed pick leaves nothing behind.
type FileRemover interface {
	Remove(ctx context.Context, ref string) error
}

// Languages says which language a user reads ocrepo's pages in: the language the user chose in the LMS, as a BCP 47
// tag ("de", "pt-BR", "ar"). "" leaves the choice to the browser's Accept-Language; a language ocrepo has no
// catalog for falls back to the nearest one it has, then to English.
type Languages interface {
	Language(r *http.Request) string
}

// LanguagesFunc adapts a function to Languages.
type LanguagesFunc func(r *http.Request) string

// Language calls f(r).
func (f LanguagesFunc) Language(r *http.Request) string { return f(r) }

// TimeZones says which time zone a user reads dates and times in (the one the user chose in the LMS); nil means
// the server's.
type TimeZones interface {
	TimeZone(r *http.Request) *time.Location
}

// TimeZonesFunc adapts a function to TimeZones.
type TimeZonesFunc func(r *http.Request) *time.Location

// TimeZone calls f(r).
func (f TimeZonesFunc) TimeZone(r *http.Request) *time.Location { return f(r) }
