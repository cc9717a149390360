package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/i18n"
	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/templates"
)

// Problem is what a person sees of an error: the HTTP status, a stable code (the message id of its words), the
// words for a student or teacher, and for a site admin the likely cause and where to look. Nothing in it is a
// secret or a raw server body.
type Problem struct {
	Status int
	Code   string
	// User holds the words for students and teachers, in the request's language (and the login offer, the wait).
	User Words
	// Admin is the message id of what a site admin should know beyond User's words; "" when there is nothing
	// more to say. AdminWords puts it in the admin's language.
	Admin string
	// AdminCheck adds the pointer to the connection check to the admin's words.
	AdminCheck bool
	// Known is false for a failure no rule explains (a bug, or the database down): it is logged as an error
	// and the person gets the generic words.
	Known bool
}

// Words is what a student or teacher reads of a problem, in their language.
type Words struct {
	Title      string
	Detail     string
	Relogin    bool // offer the login button
	RetryAfter time.Duration
}

// ProblemFor turns an error into what a person sees. It is the one mapping from errors to HTTP statuses and
// words: the admin pages, the picker and the controlled-link pages all answer through it. Whatever the cloud did
// (answered badly, refused, went away) is never a 500: an outage is 503 (nothing answers, or the connection broke
// off), 504 (no answer in time) or 502 (an answer we cannot use), with words that say to try again. The service
// explains the error in messages (service.Explain); l says them in the request's language (Env.Localizer). cloudName
// names the server in the words ("" says "the cloud").
func ProblemFor(err error, cloudName string, l *i18n.Localizer) Problem {
	if err == nil {
		return Problem{}
	}
	sp := service.Explain(err, cloudName)
	p := Problem{Known: true}
	var admin adminNote
	p.Status, admin = statusAndAdmin(err, &sp, &p.Known)
	p.Code = sp.Code
	p.User = Words{Title: Say(l, sp.Title), Detail: Say(l, sp.Detail), Relogin: sp.Relogin, RetryAfter: sp.RetryAfter}
	p.Admin, p.AdminCheck = admin.id, admin.check
	return p
}

// Problem is ProblemFor in the current request's language.
func (env *Env) Problem(c echo.Context, err error, cloudName string) Problem {
	return ProblemFor(err, cloudName, env.Localizer(c))
}

// adminNote is the message id of the admin's words, and whether they point to the connection check.
type adminNote struct {
	id    string
	check bool
}

func adminWords(id string) adminNote { return adminNote{id: id} }
func adminCheck(id string) adminNote { return adminNote{id: id, check: true} }

// AdminWords is what a site admin should know of p beyond the user's words, in the request's language; "" when
// there is nothing more to say.
func (env *Env) AdminWords(c echo.Context, p Problem) string {
	if p.Admin == "" {
		return ""
	}
	words := env.T(c, p.Admin)
	if p.AdminCheck {
		words += " " + env.T(c, "problem.admin.check")
	}
	return words
}

// statusAndAdmin is the HTTP status of an error and the admin's extra words. It may refine p's code and words
// where the error says more than service.Explain tells (a DNS or TLS failure, a cancelled request), and clears
// known for a failure no rule explains.
func statusAndAdmin(err error, p *service.Problem, known *bool) (int, adminNote) {
	var le *service.LoginError
	var step *service.StepError
	var se *cloud.StatusError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &le):
		switch le.Kind {
		case service.LoginThrottled:
			return http.StatusTooManyRequests, adminCheck("problem.admin.login_throttled")
		case service.LoginClientRefused:
			return http.StatusServiceUnavailable, adminCheck("problem.admin.login_client_refused")
		case service.LoginTokenFailed, service.LoginUserinfo:
			return http.StatusBadGateway, adminCheck("problem.admin.login_failed")
		case service.LoginStateForeign:
			return http.StatusForbidden, adminNote{}
		case service.LoginSystemInUse:
			return http.StatusConflict, adminNote{}
		case service.LoginRedirectURI, service.LoginNoUser:
			return http.StatusBadRequest, adminCheck("problem.admin.settings_attention")
		}
		return http.StatusBadRequest, adminNote{}
	case errors.As(err, &step):
		return statusAndAdmin(step.Err, &service.Problem{}, known)
	case errors.Is(err, service.ErrClientRefused):
		return http.StatusServiceUnavailable, adminWords("problem.admin.client_refused")
	case errors.Is(err, service.ErrNoSystemAccount):
		return http.StatusServiceUnavailable, adminWords("problem.admin.no_system_account")
	case errors.Is(err, service.ErrShuttingDown), errors.Is(err, service.ErrLinkBusy):
		return http.StatusServiceUnavailable, adminNote{}
	case errors.Is(err, service.ErrWrongFile):
		return http.StatusBadGateway, adminWords("problem.admin.wrong_file")
	case errors.Is(err, service.ErrNoAccess), errors.Is(err, service.ErrReturnRefused), errors.Is(err, cloud.ErrForbidden):
		return http.StatusForbidden, adminNote{}
	case errors.Is(err, service.ErrNotConnected), errors.Is(err, service.ErrLoginAgain):
		return http.StatusUnauthorized, adminNote{}
	case errors.Is(err, cloud.ErrUnauthorized):
		if errors.As(err, &se) && !se.BearerRejected {
			return http.StatusUnauthorized, adminCheck("problem.admin.bearer_stripped")
		}
		return http.StatusUnauthorized, adminNote{}
	case errors.Is(err, service.ErrInvalidInput):
		*p = service.Problem{Code: "invalid_input", Title: service.Msg("problem.invalid_input.title"), Detail: service.Msg("problem.invalid_input.detail")}
		return http.StatusBadRequest, adminNote{}
	case errors.Is(err, service.ErrSystemInUse):
		*p = service.Problem{Code: "system_in_use", Title: service.Msg("problem.system_in_use.title"), Detail: service.Msg("problem.system_in_use.detail")}
		return http.StatusConflict, adminNote{}
	case errors.Is(err, service.ErrPickExpired), errors.Is(err, service.ErrPickInvalid),
		errors.Is(err, service.ErrNoFiles), errors.Is(err, service.ErrTooManyFiles):
		return http.StatusBadRequest, adminNote{}
	case errors.Is(err, service.ErrShareRevoked):
		return http.StatusForbidden, adminNote{}
	case errors.Is(err, service.ErrImportLimit):
		return http.StatusTooManyRequests, adminNote{}
	case errors.Is(err, service.ErrTooLarge):
		return http.StatusRequestEntityTooLarge, adminNote{}
	case errors.Is(err, service.ErrNotAccepted):
		return http.StatusUnsupportedMediaType, adminNote{}
	case errors.Is(err, service.ErrCancelled):
		return http.StatusConflict, adminNote{}
	case errors.Is(err, cloud.ErrNotFound), errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, adminNote{}
	case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrDuplicate), errors.Is(err, store.ErrAlreadyUsed):
		*p = service.Problem{Code: "changed", Title: service.Msg("problem.changed.title"), Detail: service.Msg("problem.changed.detail")}
		return http.StatusConflict, adminNote{}
	case errors.Is(err, cloud.ErrThrottled):
		return http.StatusTooManyRequests, adminCheck("problem.admin.throttled")
	case errors.Is(err, cloud.ErrLocked):
		return http.StatusLocked, adminNote{}
	case errors.Is(err, cloud.ErrInsufficientStorage):
		return http.StatusInsufficientStorage, adminNote{}
	case errors.Is(err, cloud.ErrUnsupported):
		return http.StatusNotImplemented, adminNote{}
	case errors.Is(err, service.ErrBlockedAddress):
		return http.StatusBadGateway, adminCheck("problem.admin.network_guard")
	case service.CertificateUntrusted(err), service.NotTLS(err):
		p.Code = "tls"
		return http.StatusBadGateway, adminCheck("problem.admin.tls")
	case errors.As(err, &dnsErr):
		p.Code = "dns"
		return http.StatusBadGateway, adminCheck("problem.admin.dns")
	case errors.Is(err, cloud.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, adminCheck("problem.admin.timeout")
	case errors.Is(err, cloud.ErrUnavailable), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		return http.StatusServiceUnavailable, adminCheck("problem.admin.unavailable")
	case errors.Is(err, context.Canceled):
		*p = service.Problem{Code: "cancelled", Title: service.Msg("problem.request_cancelled.title"), Detail: service.Msg("problem.request_cancelled.detail")}
		return http.StatusServiceUnavailable, adminNote{}
	case errors.Is(err, service.ErrSizeMismatch):
		return http.StatusBadGateway, adminNote{}
	case errors.Is(err, cloud.ErrServer):
		if errors.As(err, &se) && se.StatusCode == http.StatusServiceUnavailable {
			return http.StatusServiceUnavailable, adminWords("problem.admin.maintenance")
		}
		return http.StatusBadGateway, adminWords("problem.admin.server_error")
	case errors.Is(err, cloud.ErrInvalidResponse):
		return http.StatusBadGateway, adminCheck("problem.admin.invalid_response")
	case errors.Is(err, cloud.ErrInvalidConfig):
		*p = service.Problem{Code: "settings", Title: service.Msg("problem.settings.title"), Detail: service.Msg("problem.settings.detail")}
		return http.StatusServiceUnavailable, adminWords("problem.admin.invalid_config")
	case errors.As(err, &se):
		return http.StatusBadGateway, adminNote{}
	case errors.Is(err, cloud.ErrConflict), errors.Is(err, cloud.ErrPreconditionFailed),
		errors.Is(err, cloud.ErrAlreadyExists), errors.Is(err, cloud.ErrAlreadyShared):
		*p = service.Problem{Code: "refused", Title: service.Msg("problem.conflict.title"), Detail: service.Msg("problem.conflict.detail")}
		return http.StatusBadGateway, adminNote{}
	}
	*known = false
	return http.StatusInternalServerError, adminWords("problem.admin.unknown")
}

// Error answers a request with the problem err makes: a full page, or for htmx an alert fragment swapped into the
// page's alert region. Site admins also get the admin words. Known problems are logged as warnings for the
// operator, unknown ones as errors. cloudName names the server in the words ("" says "the cloud").
func (env *Env) Error(c echo.Context, err error, cloudName string) error {
	p := env.Problem(c, err, cloudName)
	ctx := c.Request().Context()
	if p.Known {
		env.Logger.WarnContext(ctx, "ocrepo: request failed", "path", c.Path(), "status", p.Status, "code", p.Code, "err", err)
	} else {
		env.Logger.ErrorContext(ctx, "ocrepo: request failed", "path", c.Path(), "status", p.Status, "err", err)
	}
	detail := p.User.Detail
	if p.Admin != "" && env.IsAdmin(c) {
		detail += " " + env.AdminWords(c, p)
	}
	a := templates.Alert{Title: p.User.Title, Detail: detail, Code: p.Code}
	if IsHTMX(c) {
		c.Response().Header().Set("HX-Retarget", "#ocrepo-alert")
		c.Response().Header().Set("HX-Reswap", "innerHTML")
		return env.Render(c, p.Status, templates.AlertBox(a))
	}
	return env.Render(c, p.Status, templates.ErrorPage(env.Page(c, p.User.Title), a))
}
