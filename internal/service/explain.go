package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"syscall"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/store"
)

// Problem is an error put in words for a student or teacher: what happened and what to do. It never holds a
// secret or a raw server body.
type Problem struct {
	Code       string // stable identifier, for tests and data-testid: "login", "relogin", "forbidden", ...
	Title      string
	Detail     string
	Relogin    bool // offer the login button
	RetryAfter time.Duration
}

// Explain puts an error from the service in the user's words. cloudName names the server ("Nextcloud at ...").
func Explain(err error, cloudName string) Problem {
	var se *cloud.StatusError
	var le *LoginError
	var step *StepError
	switch {
	case err == nil:
		return Problem{}
	case errors.As(err, &le):
		return explainLogin(le, cloudName)
	case errors.As(err, &step):
		p := Explain(step.Err, cloudName)
		p.Code = "step_" + step.Step
		p.Title = map[string]string{
			StepShare:   "Sharing the file with the site's account failed",
			StepFolders: "Making the course folders in " + cloudName + " failed",
			StepCopy:    "Copying the file in " + cloudName + " failed",
			StepRecord:  "Recording the link failed",
		}[step.Step]
		p.Detail += " Nothing was changed in your " + cloudName + "."
		return p
	case errors.Is(err, ErrClientRefused):
		return Problem{Code: "client_refused", Title: cloudName + " does not accept this site right now",
			Detail: "The site's settings for " + cloudName + " need attention (its client id or secret). Your login is kept; please tell your site administrator and try again later."}
	case errors.Is(err, ErrNoSystemAccount):
		return Problem{Code: "no_system_account", Title: "Access controlled links are not available",
			Detail: "The site's own account at " + cloudName + " is not connected. Please tell your site administrator."}
	case errors.Is(err, ErrNoAccess):
		return Problem{Code: "no_access", Title: "Not allowed",
			Detail: "You may not do this with this file. Ask your teacher if you think you should."}
	case errors.Is(err, ErrLinkBusy):
		return Problem{Code: "link_busy", Title: "This file is being updated",
			Detail: "Someone is submitting or sharing this file right now. Try again in a moment."}
	case errors.Is(err, ErrWrongFile):
		return Problem{Code: "wrong_file", Title: cloudName + " shows another file than the one shared",
			Detail: "Nothing was copied or moved, so no file was mixed up. Try again; if it keeps happening, tell your site administrator."}
	case errors.Is(err, ErrNotConnected):
		return Problem{Code: "login", Title: "Log in to " + cloudName,
			Detail: "Log in to " + cloudName + " to see your files here.", Relogin: true}
	case errors.Is(err, ErrLoginAgain):
		return Problem{Code: "relogin", Title: "Your login has expired",
			Detail: cloudName + " no longer accepts your earlier login. Log in again to continue.", Relogin: true}
	case errors.Is(err, ErrPickExpired):
		return Problem{Code: "pick_expired", Title: "This file picker has expired",
			Detail: "Close it and open the file picker again from the page you came from."}
	case errors.Is(err, ErrPickInvalid):
		return Problem{Code: "pick_invalid", Title: "This file picker link is not valid",
			Detail: "Open the file picker again from the page you came from."}
	case errors.Is(err, ErrTooLarge):
		return Problem{Code: "too_large", Title: "The file is too large", Detail: reason(err)}
	case errors.Is(err, ErrShareRevoked):
		return Problem{Code: "share_revoked", Title: "Your copy of this file was withdrawn",
			Detail: "An administrator took back the copy of this file in your cloud. Ask your teacher or the site administrator if you need it again."}
	case errors.Is(err, ErrImportLimit):
		return Problem{Code: "import_limit", Title: "Too many imports for now", Detail: reason(err)}
	case errors.Is(err, ErrNotAccepted):
		return Problem{Code: "not_accepted", Title: "This file cannot be used here", Detail: reason(err)}
	case errors.Is(err, ErrTooManyFiles):
		return Problem{Code: "too_many", Title: "Choose one file", Detail: "Only one file can be picked here."}
	case errors.Is(err, ErrNoFiles):
		return Problem{Code: "no_files", Title: "No file chosen", Detail: "Choose a file first."}
	case errors.Is(err, ErrReturnRefused):
		return Problem{Code: "return_refused", Title: "Not available here",
			Detail: "That way of adding a file is not allowed on this page."}
	case errors.Is(err, ErrCancelled):
		return Problem{Code: "cancelled", Title: "Cancelled", Detail: "Nothing was saved."}
	case errors.Is(err, ErrBlockedAddress): // a refused dial: before the outage it also looks like
		return Problem{Code: "blocked", Title: "This cloud server cannot be reached",
			Detail: "The site's settings do not allow connecting to " + cloudName + ". Please tell your site administrator."}
	case errors.Is(err, cloud.ErrUnavailable), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		// Before the size check: a download that broke off is the cloud going away, not a wrong size.
		return Problem{Code: "unavailable", Title: cloudName + " cannot be reached right now",
			Detail: cloudName + " did not answer or broke off the connection; it may be down or restarting. Try again in a moment."}
	case errors.Is(err, ErrShuttingDown):
		return Problem{Code: "shutting_down", Title: "This site is restarting",
			Detail: "The request was stopped because the site is restarting. Try again in a moment."}
	case errors.Is(err, ErrSizeMismatch), errors.Is(err, io.ErrUnexpectedEOF):
		return Problem{Code: "broken_download", Title: "The download was incomplete",
			Detail: cloudName + " sent a different amount of data than it announced. Nothing was saved; try again."}
	case errors.Is(err, cloud.ErrUnsupported):
		return Problem{Code: "unsupported", Title: "Not available on this server",
			Detail: cloudName + " does not offer this (for example, search needs Nextcloud)."}
	case errors.Is(err, cloud.ErrThrottled):
		p := Problem{Code: "throttled", Title: cloudName + " is limiting requests"}
		if errors.As(err, &se) && se.RetryAfter > 0 {
			p.RetryAfter = se.RetryAfter
			p.Detail = "Too many requests reached " + cloudName + " from this site. Try again in " + humanWait(se.RetryAfter) + "."
		} else {
			p.Detail = "Too many requests reached " + cloudName + " from this site. Try again in a few minutes."
		}
		return p
	case errors.Is(err, cloud.ErrUnauthorized):
		if errors.As(err, &se) && !se.BearerRejected {
			return Problem{Code: "auth_header", Title: cloudName + " refused the request",
				Detail:  cloudName + " answered \"unauthorized\" although you are logged in. Its web server may be dropping the login header; please tell your site administrator (the connection check on the admin page diagnoses this).",
				Relogin: true}
		}
		return Problem{Code: "relogin", Title: "Your login has expired",
			Detail: cloudName + " no longer accepts your login. Log in again to continue.", Relogin: true}
	case errors.Is(err, cloud.ErrForbidden):
		return Problem{Code: "forbidden", Title: "No permission",
			Detail: cloudName + " says you may not open this. Ask the owner of the folder for access."}
	case errors.Is(err, cloud.ErrNotFound), errors.Is(err, store.ErrNotFound):
		return Problem{Code: "not_found", Title: "Not found",
			Detail: "It no longer exists: it may have been moved, renamed or deleted. Go back to your files and reload."}
	case errors.Is(err, cloud.ErrLocked):
		return Problem{Code: "locked", Title: "The file is locked",
			Detail: "Somebody is editing it in " + cloudName + ". Try again when they are done."}
	case errors.Is(err, cloud.ErrInsufficientStorage):
		return Problem{Code: "storage", Title: "Not enough space in " + cloudName,
			Detail: "Free some space in " + cloudName + " and try again."}
	case errors.Is(err, cloud.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return Problem{Code: "timeout", Title: cloudName + " did not answer in time",
			Detail: cloudName + " is slow or unreachable right now. Try again in a moment."}
	case errors.Is(err, cloud.ErrInvalidResponse):
		return Problem{Code: "invalid_response", Title: cloudName + " answered unexpectedly",
			Detail: cloudName + " sent something other than what was asked for (often an error or login page from a proxy). Try again; if it keeps happening, tell your site administrator."}
	case errors.Is(err, cloud.ErrServer):
		return Problem{Code: "server", Title: cloudName + " had a problem",
			Detail: cloudName + " reported an internal error. Try again in a moment."}
	case errors.As(err, &se):
		// An answer none of the above covers (405, 409, 412...): say what came back rather than "something".
		return Problem{Code: "refused", Title: cloudName + " refused the request",
			Detail: fmt.Sprintf("%s answered HTTP %d %s. Try again; if it keeps happening, tell your site administrator (the connection check on the admin page helps find the cause).",
				cloudName, se.StatusCode, http.StatusText(se.StatusCode))}
	}
	return Problem{Code: "error", Title: "Something went wrong",
		Detail: "The request to " + cloudName + " failed. Try again; if it keeps happening, tell your site administrator."}
}

func explainLogin(le *LoginError, cloudName string) Problem {
	p := Problem{Code: "login_" + string(le.Kind), Relogin: true}
	switch le.Kind {
	case LoginStateMissing, LoginStateUnknown:
		p.Title, p.Detail = "This login link is not valid", "Start the login again from the file picker."
	case LoginStateReplayed:
		p.Title, p.Detail = "This login was already used", "Each login link works once. If you are not logged in yet, start the login again."
	case LoginStateExpired:
		p.Title, p.Detail = "The login took too long", "Start the login again and finish it within a few minutes."
	case LoginStateForeign:
		p.Title, p.Detail = "This login belongs to someone else", "It was started by another account on this site. Start your own login from the file picker."
	case LoginDenied:
		p.Title, p.Detail = "Access was not granted", "You declined to let this site use "+cloudName+". To use your files here, log in again and choose to grant access."
	case LoginRedirectURI:
		p.Title, p.Detail = cloudName+" does not know this site's return address", "The redirect URI registered at "+cloudName+" does not match this site. Please tell your site administrator (the admin page shows the exact address to register)."
	case LoginCloudError:
		p.Title, p.Detail = cloudName+" could not complete the login", "Try again; if it keeps happening, tell your site administrator."
	case LoginTokenRefused:
		p.Title, p.Detail = cloudName+" refused to finish the login", "The login code was not accepted (it may have been used already or the site's client settings are wrong). Try again; if it keeps happening, tell your site administrator."
	case LoginClientRefused:
		p.Title, p.Detail = cloudName+" does not accept this site right now", "The site's settings for "+cloudName+" (its client id or secret) are wrong, so no login can finish. Please tell your site administrator; log in again once they have corrected them."
		p.Relogin = false
	case LoginTokenFailed, LoginUserinfo:
		p.Title, p.Detail = cloudName+" did not finish the login", cloudName+" failed while completing the login. Try again in a moment."
	case LoginThrottled:
		p.Title, p.Detail = cloudName+" is limiting logins", "Too many login attempts reached "+cloudName+" from this site. Wait a few minutes, then try again."
	case LoginNoUser:
		p.Title, p.Detail = cloudName+" did not say who you are", "The site's settings for "+cloudName+" need attention. Please tell your site administrator."
		p.Relogin = false
	case LoginSystemInUse:
		p.Title, p.Detail = "A different system account cannot be connected", le.Err.Error()+". Disconnect is possible only once those links are gone; connect the same account again instead."
		p.Relogin = false
	}
	return p
}

// ExplainImport is the one-line reason an import failed, for the progress panel.
func ExplainImport(err error) string {
	p := Explain(err, "The cloud")
	return p.Title + ". " + p.Detail
}

// Refusal is a pick refused for a reason the user can act on (too large, wrong type).
type Refusal struct {
	Err    error  // ErrTooLarge or ErrNotAccepted
	Reason string // in the user's words
}

func (r *Refusal) Error() string { return r.Err.Error() + ": " + r.Reason }

func (r *Refusal) Unwrap() error { return r.Err }

// reason is the Refusal's words, or a generic line.
func reason(err error) string {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Reason
	}
	return "The file does not meet this page's requirements."
}

// humanWait says a duration the way a person would: "30 seconds", "2 minutes".
func humanWait(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d seconds", int(math.Ceil(d.Seconds())))
	case d < time.Hour:
		m := int(math.Ceil(d.Minutes()))
		if m == 1 {
			return "a minute"
		}
		return fmt.Sprintf("%d minutes", m)
	default:
		return fmt.Sprintf("%d hours", int(math.Ceil(d.Hours())))
	}
}
