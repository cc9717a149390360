package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// availableFromOffers is AvailableFor on a store that reads every instance, its issuer's revision, the course's
// switch, the system account and the user's token in one query: one query per request when the issuers are cached
// (and the course switches are the store's), whatever the number of instances.
func (s *Service) availableFromOffers(ctx context.Context, ix store.InstanceOffers, req host.PickRequest) ([]Available, error) {
	offers, err := ix.InstanceOffers(ctx, req.Course, req.User)
	if err != nil {
		return nil, fmt.Errorf("service: list instances: %w", err)
	}
	_, storeSwitches := s.courses.(storeCourses)
	var out []Available
	for _, o := range offers {
		in := o.Instance
		if !in.Enabled {
			continue
		}
		if req.Course != "" {
			on := o.CourseEnabled
			if !storeSwitches {
				if on, err = s.courses.InstanceEnabled(ctx, req.Course, in.ID); err != nil {
					return nil, fmt.Errorf("service: course %q instance %d: %w", req.Course, in.ID, err)
				}
			}
			if !on {
				continue
			}
		}
		allowed := allowedReturns(in, o.SystemConnected, req)
		if allowed == 0 {
			continue
		}
		iss, err := s.issuerAt(ctx, in.IssuerID, o.IssuerRevision)
		if errors.Is(err, store.ErrNotFound) {
			continue // deleted since the read
		}
		if err != nil {
			return nil, fmt.Errorf("service: issuer of instance %d: %w", in.ID, err)
		}
		out = append(out, Available{Instance: in, Issuer: iss, Allowed: allowed, Default: DefaultReturn(in, allowed),
			userToken: o.UserToken, tokenRead: req.User != "", tokenKey: store.TokenKey{IssuerID: in.IssuerID, UserID: req.User},
			systemConnected: o.SystemConnected, systemRead: true})
	}
	return out, nil
}

// allowedReturns is what an instance may return for req: the instance's supported types, access controlled
// links only while the system account is connected, narrowed to what the request wants.
func allowedReturns(inst store.Instance, systemConnected bool, req host.PickRequest) host.ReturnType {
	sup := host.ReturnType(inst.Supported) & (host.ReturnImport | host.ReturnLink)
	if sup.Has(host.ReturnLink) && systemConnected {
		sup |= host.ReturnControlledLink
	}
	want := req.Want
	if want == 0 {
		want = host.ReturnAny
	}
	if req.Mode == host.ModeURL {
		want &= host.ReturnLink
	}
	return sup & want
}
