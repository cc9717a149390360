package picker

import (
	"context"
	"errors"
	"net/http"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/service"
	"github.com/ocrepo/ocrepo/store"
)

// statusFor is the HTTP status that answers a failed flow.
func statusFor(err error) int {
	var le *service.LoginError
	switch {
	case errors.As(err, &le):
		switch le.Kind {
		case service.LoginThrottled:
			return http.StatusTooManyRequests
		case service.LoginTokenFailed, service.LoginUserinfo:
			return http.StatusBadGateway
		case service.LoginStateForeign:
			return http.StatusForbidden
		case service.LoginSystemInUse:
			return http.StatusConflict
		}
		return http.StatusBadRequest
	case errors.Is(err, service.ErrNotConnected), errors.Is(err, service.ErrLoginAgain), errors.Is(err, cloud.ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, service.ErrReturnRefused), errors.Is(err, cloud.ErrForbidden), errors.Is(err, service.ErrNoAccess):
		return http.StatusForbidden
	case errors.Is(err, cloud.ErrNotFound), errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, cloud.ErrThrottled):
		return http.StatusTooManyRequests
	case errors.Is(err, service.ErrShareRevoked):
		return http.StatusForbidden
	case errors.Is(err, service.ErrImportLimit):
		return http.StatusTooManyRequests
	case errors.Is(err, service.ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, service.ErrNotAccepted):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, service.ErrNoFiles), errors.Is(err, service.ErrTooManyFiles):
		return http.StatusBadRequest
	case errors.Is(err, cloud.ErrUnsupported):
		return http.StatusNotImplemented
	case errors.Is(err, cloud.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	case errors.Is(err, cloud.ErrInvalidResponse), errors.Is(err, cloud.ErrServer), errors.Is(err, service.ErrBlockedAddress):
		return http.StatusBadGateway
	case errors.Is(err, cloud.ErrLocked):
		return http.StatusLocked
	case errors.Is(err, cloud.ErrInsufficientStorage):
		return http.StatusInsufficientStorage
	case errors.Is(err, service.ErrShuttingDown), errors.Is(err, service.ErrNoSystemAccount), errors.Is(err, service.ErrClientRefused):
		return http.StatusServiceUnavailable
	case errors.As(err, new(*cloud.StatusError)):
		return http.StatusBadGateway // any other answer of the cloud's: its failure, not ours
	}
	return http.StatusInternalServerError
}
