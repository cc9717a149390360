package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"syscall"
	"time"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/store"
)

// Problem is an error put in words for a student or teacher: what happened and what to do, as catalog messages
// the HTTP layer says in the user's language. It never holds a secret or a raw server body.
type Problem struct {
	Code       string // stable identifier, for tests and data-testid: "login", "relogin", "forbidden", ...
	Title      Message
	Detail     Message
	Relogin    bool // offer the login button
	RetryAfter time.Duration
}

// problem is the Problem of a code whose words are the messages problem.<code>.title and .detail, both given
// args.
func problem(code string, args ...any) Problem {
	return Problem{Code: code, Title: Msg("problem."+code+".title", args...), Detail: Msg("problem."+code+".detail", args...)}
}

// Explain puts an error from the service in the user's words. cloudName names the server ("Nextcloud at ...");
// "" says "the cloud" in the user's language.
func Explain(err error, cloudName string) Problem {
	return explain(err, theCloud(cloudName))
}

func explain(err error, name any) Problem {
	var se *cloud.StatusError
	var le *LoginError
	var step *StepError
	switch {
	case err == nil:
		return Problem{}
	case errors.As(err, &le):
		return explainLogin(le, name)
	case errors.As(err, &step):
		p := explain(step.Err, name)
		p.Code = "step_" + step.Step
		p.Title = Msg("problem.step."+step.Step, "Cloud", name)
		p.Detail = Msg("problem.step.nothing_changed", "Detail", p.Detail, "Cloud", name)
		return p
	case errors.Is(err, ErrClientRefused):
		return problem("client_refused", "Cloud", name)
	case errors.Is(err, ErrNoSystemAccount):
		return problem("no_system_account", "Cloud", name)
	case errors.Is(err, ErrNoAccess):
		return problem("no_access")
	case errors.Is(err, ErrLinkBusy):
		return problem("link_busy")
	case errors.Is(err, ErrWrongFile):
		return problem("wrong_file", "Cloud", name)
	case errors.Is(err, ErrNotConnected):
		p := problem("login", "Cloud", name)
		p.Relogin = true
		return p
	case errors.Is(err, ErrLoginAgain):
		p := problem("relogin", "Cloud", name)
		p.Relogin = true
		return p
	case errors.Is(err, ErrPickExpired):
		return problem("pick_expired")
	case errors.Is(err, ErrPickInvalid):
		return problem("pick_invalid")
	case errors.Is(err, ErrTooLarge):
		return Problem{Code: "too_large", Title: Msg("problem.too_large.title"), Detail: reason(err)}
	case errors.Is(err, ErrShareRevoked):
		return problem("share_revoked")
	case errors.Is(err, ErrImportLimit):
		return Problem{Code: "import_limit", Title: Msg("problem.import_limit.title"), Detail: reason(err)}
	case errors.Is(err, ErrNotAccepted):
		return Problem{Code: "not_accepted", Title: Msg("problem.not_accepted.title"), Detail: reason(err)}
	case errors.Is(err, ErrTooManyFiles):
		return problem("too_many")
	case errors.Is(err, ErrNoFiles):
		return problem("no_files")
	case errors.Is(err, ErrReturnRefused):
		return problem("return_refused")
	case errors.Is(err, ErrCancelled):
		return problem("cancelled")
	case errors.Is(err, ErrBlockedAddress): // a refused dial: before the outage it also looks like
		return problem("blocked", "Cloud", name)
	case errors.Is(err, cloud.ErrUnavailable), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		// Before the size check: a download that broke off is the cloud going away, not a wrong size.
		return problem("unavailable", "Cloud", name)
	case errors.Is(err, ErrShuttingDown):
		return problem("shutting_down")
	case errors.Is(err, ErrSizeMismatch), errors.Is(err, io.ErrUnexpectedEOF):
		return problem("broken_download", "Cloud", name)
	case errors.Is(err, cloud.ErrUnsupported):
		return problem("unsupported", "Cloud", name)
	case errors.Is(err, cloud.ErrThrottled):
		p := problem("throttled", "Cloud", name)
		if errors.As(err, &se) && se.RetryAfter > 0 {
			p.RetryAfter = se.RetryAfter
			p.Detail = Msg("problem.throttled.detail_wait", "Cloud", name, "Wait", Wait(se.RetryAfter))
		}
		return p
	case errors.Is(err, cloud.ErrUnauthorized):
		if errors.As(err, &se) && !se.BearerRejected {
			p := problem("auth_header", "Cloud", name)
			p.Relogin = true
			return p
		}
		p := problem("relogin", "Cloud", name)
		p.Detail, p.Relogin = Msg("problem.relogin.detail_now", "Cloud", name), true
		return p
	case errors.Is(err, cloud.ErrForbidden):
		return problem("forbidden", "Cloud", name)
	case errors.Is(err, cloud.ErrNotFound), errors.Is(err, store.ErrNotFound):
		return problem("not_found")
	case errors.Is(err, cloud.ErrLocked):
		return problem("locked", "Cloud", name)
	case errors.Is(err, cloud.ErrInsufficientStorage):
		return problem("storage", "Cloud", name)
	case errors.Is(err, cloud.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return problem("timeout", "Cloud", name)
	case errors.Is(err, cloud.ErrInvalidResponse):
		return problem("invalid_response", "Cloud", name)
	case errors.Is(err, cloud.ErrServer):
		return problem("server", "Cloud", name)
	case errors.As(err, &se):
		// An answer none of the above covers (405, 409, 412...): say what came back rather than "something". The
		// status line is the protocol's own words, so it stays as HTTP has it.
		return problem("refused", "Cloud", name, "Status", fmt.Sprintf("%d %s", se.StatusCode, http.StatusText(se.StatusCode)))
	}
	return problem("error", "Cloud", name)
}

func explainLogin(le *LoginError, name any) Problem {
	p := Problem{Code: "login_" + string(le.Kind), Relogin: true,
		Title:  Msg("problem.login_"+string(le.Kind)+".title", "Cloud", name),
		Detail: Msg("problem.login_"+string(le.Kind)+".detail", "Cloud", name)}
	switch le.Kind {
	case LoginStateMissing, LoginStateUnknown:
		p.Title, p.Detail = Msg("problem.login_state_unknown.title"), Msg("problem.login_state_unknown.detail")
	case LoginTokenFailed, LoginUserinfo:
		p.Title, p.Detail = Msg("problem.login_token_failed.title", "Cloud", name), Msg("problem.login_token_failed.detail", "Cloud", name)
	case LoginSystemInUse:
		p.Relogin = false
		var in *SystemSwapError
		if errors.As(le.Err, &in) {
			p.Detail = Msg("problem.login_system_in_use.detail_links", "Count", in.Links, "Current", in.Current, "New", in.New)
		}
	case LoginClientRefused, LoginNoUser:
		p.Relogin = false
	case LoginStateReplayed, LoginStateExpired, LoginStateForeign, LoginDenied, LoginRedirectURI, LoginCloudError,
		LoginTokenRefused, LoginThrottled:
	default:
		p.Title, p.Detail = Msg("problem.login_cloud_error.title", "Cloud", name), Msg("problem.login_cloud_error.detail", "Cloud", name)
	}
	return p
}

// ExplainImport is the one-line reason an import failed, for the progress panel; cloudName as for Explain.
func ExplainImport(err error, cloudName string) Message {
	p := Explain(err, cloudName)
	return Msg("problem.import_failed", "Title", p.Title, "Detail", p.Detail)
}

// Refusal is a pick refused for a reason the user can act on (too large, wrong type).
type Refusal struct {
	Err    error   // ErrTooLarge, ErrNotAccepted or ErrImportLimit
	Reason Message // the user's words
}

func (r *Refusal) Error() string { return r.Err.Error() + ": " + r.Reason.String() }

func (r *Refusal) Unwrap() error { return r.Err }

// reason is the Refusal's words, or a generic line.
func reason(err error) Message {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Reason
	}
	return Msg("problem.refusal.generic")
}
