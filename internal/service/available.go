package service

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// Available is a repository instance a user may pick from, with its cloud server and what it may return.
type Available struct {
	Instance store.Instance
	Issuer   store.Issuer
	Allowed  host.ReturnType
	Default  host.ReturnType
	// userToken is the request's user's token at the issuer as read with the instance (nil: none stored), when
	// tokenRead says it was read.
	userToken *store.Token
	tokenRead bool
	tokenKey  store.TokenKey
	// systemConnected says whether the issuer's system account was connected when the instance was read, when
	// systemRead says it was read with it.
	systemConnected bool
	systemRead      bool
}

// CloudName names the instance's server for people: the issuer's name, or its host; "" when it has neither (the
// words then say "the cloud" in the user's language).
func (a Available) CloudName() string {
	if a.Issuer.Name != "" {
		return a.Issuer.Name
	}
	if u, err := url.Parse(a.Issuer.BaseURL); err == nil && u.Host != "" {
		return u.Host
	}
	return ""
}

// WebUI is the cloud's own web interface at a folder, for "open in the cloud".
func (a Available) WebUI(dir string) string {
	base := a.Issuer.BaseURL
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	u := base + "index.php/apps/files/"
	if dir != "" && dir != "/" {
		u += "?dir=" + url.QueryEscape(dir)
	}
	return u
}

// AvailableFor lists the instances a pick request may use, in the admin's order: enabled site-wide, enabled for
// the course, with an issuer, and able to return something the request accepts.
func (s *Service) AvailableFor(ctx context.Context, req host.PickRequest) ([]Available, error) {
	if ix, ok := s.store.(store.InstanceOffers); ok {
		return s.availableFromOffers(ctx, ix, req)
	}
	insts, err := s.store.ListInstances(ctx)
	if err != nil {
		return nil, fmt.Errorf("service: list instances: %w", err)
	}
	var out []Available
	for _, in := range insts {
		if !in.Enabled {
			continue
		}
		if req.Course != "" {
			on, err := s.courses.InstanceEnabled(ctx, req.Course, in.ID)
			if err != nil {
				return nil, fmt.Errorf("service: course %q instance %d: %w", req.Course, in.ID, err)
			}
			if !on {
				continue
			}
		}
		iss, err := s.store.GetIssuer(ctx, in.IssuerID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("service: issuer of instance %d: %w", in.ID, err)
		}
		allowed, err := s.ReturnTypes(ctx, in, req)
		if err != nil {
			return nil, err
		}
		if allowed == 0 {
			continue
		}
		out = append(out, Available{Instance: in, Issuer: iss, Allowed: allowed, Default: DefaultReturn(in, allowed)})
	}
	return out, nil
}
