package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// CourseInstance is a repository instance as a course's settings page shows it.
type CourseInstance struct {
	Instance   store.Instance
	IssuerName string
	// SiteEnabled is the admin's switch for the whole site: when off, the course setting has no effect.
	SiteEnabled bool
	// Enabled is the course's own setting (through the host's course settings hook when it has one).
	Enabled bool
}

// Available reports whether users of the course see the instance in the picker.
func (c CourseInstance) Available() bool { return c.SiteEnabled && c.Enabled }

// CourseInstances lists every instance with its setting for a course.
func (s *Service) CourseInstances(ctx context.Context, course string) ([]CourseInstance, error) {
	insts, switches, err := s.courseSwitches(ctx, course)
	if err != nil {
		return nil, err
	}
	issuers, err := s.store.ListIssuers(ctx)
	if err != nil {
		return nil, fmt.Errorf("service: list issuers: %w", err)
	}
	names := make(map[int64]string, len(issuers))
	for _, iss := range issuers {
		names[iss.ID] = iss.Name
	}
	out := make([]CourseInstance, 0, len(insts))
	for i, in := range insts {
		on := false
		if switches != nil {
			on = switches[i]
		} else if on, err = s.courses.InstanceEnabled(ctx, course, in.ID); err != nil {
			return nil, fmt.Errorf("service: course %q instance %d: %w", course, in.ID, err)
		}
		out = append(out, CourseInstance{Instance: in, IssuerName: names[in.IssuerID], SiteEnabled: in.Enabled, Enabled: on})
	}
	return out, nil
}

// courseSwitches lists every instance in ID order and, when the course switches are the store's and the store
// reads them with the instances (store.InstanceOffers), the course's switch of each: one statement whatever the
// number of instances. switches is nil when each must be asked of the course settings hook.
func (s *Service) courseSwitches(ctx context.Context, course string) (insts []store.Instance, switches []bool, err error) {
	ix, ok := s.store.(store.InstanceOffers)
	if _, own := s.courses.(storeCourses); !ok || !own {
		if insts, err = s.store.ListInstances(ctx); err != nil {
			return nil, nil, fmt.Errorf("service: list instances: %w", err)
		}
		return insts, nil, nil
	}
	offers, err := ix.InstanceOffers(ctx, course, "")
	if err != nil {
		return nil, nil, fmt.Errorf("service: list instances: %w", err)
	}
	insts, switches = make([]store.Instance, len(offers)), make([]bool, len(offers))
	for i, o := range offers {
		insts[i], switches[i] = o.Instance, o.CourseEnabled
	}
	return insts, switches, nil
}

// SetCourseInstance enables or disables an instance for a course and records who did it. The caller has checked
// that actor manages the course.
func (s *Service) SetCourseInstance(ctx context.Context, actor host.User, course string, instanceID int64, enabled bool) (CourseInstance, error) {
	in, err := s.GetInstance(ctx, instanceID)
	if err != nil {
		return CourseInstance{}, err
	}
	if err := s.courses.SetInstanceEnabled(ctx, course, instanceID, enabled); err != nil {
		return CourseInstance{}, fmt.Errorf("service: course %q instance %d: %w", course, instanceID, err)
	}
	action := "course.disable"
	if enabled {
		action = "course.enable"
	}
	s.audit(ctx, actor, action, "course "+course, Msg("audit."+strings.ReplaceAll(action, ".", "_"), "Name", in.Name, "ID", in.ID))
	ci := CourseInstance{Instance: in, SiteEnabled: in.Enabled, Enabled: enabled}
	if iss, err := s.store.GetIssuer(ctx, in.IssuerID); err == nil {
		ci.IssuerName = iss.Name
	}
	return ci, nil
}
