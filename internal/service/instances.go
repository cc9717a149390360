package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// DefaultControlledLinkFolder is the folder in users' clouds that receives access controlled links, unless the
// admin names another.
const DefaultControlledLinkFolder = "LMS files"

// InstanceInput is a repository instance as the admin's form submits it.
type InstanceInput struct {
	Name                 string
	IssuerID             int64
	ControlledLinkFolder string
	Supported            host.ReturnType // import, link, or both (controlled links ride with link)
	DefaultReturn        host.ReturnType // one type among the supported
	Enabled              bool
}

// IssuerFitness says whether an issuer can serve a repository instance, and what it lacks.
type IssuerFitness struct {
	Issuer  store.Issuer
	Missing []string // endpoints it lacks: without them the picker cannot work
	// ControlledLinks is false when no system account is connected: instances work, but offer no access
	// controlled links.
	ControlledLinks bool
	// Checked is the issuer's last connection check; nil when it was never checked.
	Checked *LastCheck
}

// Suitable reports whether the issuer has every endpoint an instance needs and its last connection check (if
// any) found no failure.
func (f IssuerFitness) Suitable() bool {
	return len(f.Missing) == 0 && (f.Checked == nil || f.Checked.Failed == 0)
}

// IssuerFitnesses lists every issuer with what it lacks for serving an instance.
func (s *Service) IssuerFitnesses(ctx context.Context) ([]IssuerFitness, error) {
	all, err := s.store.ListIssuers(ctx)
	if err != nil {
		return nil, fmt.Errorf("service: list issuers: %w", err)
	}
	ids := make([]int64, len(all))
	for i, iss := range all {
		ids[i] = iss.ID
	}
	checked, err := s.lastChecks(ctx, ids)
	if err != nil {
		return nil, err
	}
	systems, err := s.systemConnections(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]IssuerFitness, 0, len(all))
	for _, iss := range all {
		sys, err := s.systemConnectionIn(ctx, systems, iss.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, IssuerFitness{Issuer: iss, Missing: MissingEndpoints(iss), ControlledLinks: sys.Connected && !sys.NeedLogin,
			Checked: checked[iss.ID]})
	}
	return out, nil
}

// InstanceSummary is an instance as the admin's list shows it.
type InstanceSummary struct {
	Instance store.Instance
	Issuer   IssuerFitness
	Found    bool // the issuer exists
}

// ListInstances returns every instance with its issuer's fitness.
func (s *Service) ListInstances(ctx context.Context) ([]InstanceSummary, error) {
	insts, err := s.store.ListInstances(ctx)
	if err != nil {
		return nil, fmt.Errorf("service: list instances: %w", err)
	}
	fits, err := s.IssuerFitnesses(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]InstanceSummary, 0, len(insts))
	for _, in := range insts {
		sum := InstanceSummary{Instance: in}
		for _, f := range fits {
			if f.Issuer.ID == in.IssuerID {
				sum.Issuer, sum.Found = f, true
			}
		}
		out = append(out, sum)
	}
	return out, nil
}

// GetInstance returns one instance.
func (s *Service) GetInstance(ctx context.Context, id int64) (store.Instance, error) {
	in, err := s.store.GetInstance(ctx, id)
	if err != nil {
		return store.Instance{}, fmt.Errorf("service: instance %d: %w", id, err)
	}
	return in, nil
}

// CheckFolderName reports what is wrong with a controlled-link folder name, or nothing.
func CheckFolderName(name string) Message {
	switch {
	case strings.TrimSpace(name) == "":
		return Msg("admin.invalid.folder_empty", "Example", DefaultControlledLinkFolder)
	case strings.ContainsAny(name, `/\`):
		return Msg("admin.invalid.folder_slash")
	case strings.HasPrefix(name, "."):
		return Msg("admin.invalid.folder_dot")
	case len(name) > 200:
		return Msg("admin.invalid.folder_long")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return Msg("admin.invalid.folder_control")
	}
	return Message{}
}

// validateInstance checks in and returns the instance to store (without ID and times).
func (s *Service) validateInstance(ctx context.Context, id int64, in InstanceInput) (store.Instance, error) {
	fe := &FormError{}
	out := store.Instance{
		Name:                 strings.TrimSpace(in.Name),
		IssuerID:             in.IssuerID,
		ControlledLinkFolder: strings.TrimSpace(in.ControlledLinkFolder),
		Supported:            store.ReturnTypes(in.Supported & (host.ReturnImport | host.ReturnLink)),
		DefaultReturn:        store.ReturnTypes(in.DefaultReturn),
		Enabled:              in.Enabled,
	}
	switch {
	case out.Name == "":
		fe.add("name", Msg("admin.invalid.instance_name"))
	case len(out.Name) > 200:
		fe.add("name", Msg("admin.invalid.name_long"))
	default:
		all, err := s.store.ListInstances(ctx)
		if err != nil {
			return store.Instance{}, fmt.Errorf("service: list instances: %w", err)
		}
		for _, other := range all {
			if other.ID != id && strings.EqualFold(strings.TrimSpace(other.Name), out.Name) {
				fe.add("name", Msg("admin.invalid.instance_name_taken"))
			}
		}
	}
	if out.IssuerID == 0 {
		fe.add("issuer", Msg("admin.invalid.issuer"))
	} else {
		iss, err := s.store.GetIssuer(ctx, out.IssuerID)
		switch {
		case err == nil:
			if missing := MissingEndpoints(iss); len(missing) > 0 {
				fe.add("issuer", Msg("admin.invalid.issuer_lacks", "Name", iss.Name, "Endpoints", strings.Join(missing, ", ")))
			}
		case errors.Is(err, store.ErrNotFound):
			fe.add("issuer", Msg("admin.invalid.issuer_gone"))
		default:
			return store.Instance{}, fmt.Errorf("service: issuer %d: %w", out.IssuerID, err)
		}
	}
	if msg := CheckFolderName(in.ControlledLinkFolder); !msg.IsZero() {
		fe.add("folder", msg)
	}
	sup := host.ReturnType(out.Supported)
	if sup == 0 {
		fe.add("supported", Msg("admin.invalid.supported"))
	}
	def := host.ReturnType(out.DefaultReturn)
	switch {
	case def == host.ReturnImport && sup.Has(host.ReturnImport):
	case (def == host.ReturnLink || def == host.ReturnControlledLink) && sup.Has(host.ReturnLink):
	case sup != 0:
		fe.add("default_return", Msg("admin.invalid.default_return"))
	}
	if err := fe.err(); err != nil {
		return store.Instance{}, err
	}
	return out, nil
}

// CreateInstance validates and stores a new instance and records who did it.
func (s *Service) CreateInstance(ctx context.Context, actor host.User, in InstanceInput) (store.Instance, error) {
	inst, err := s.validateInstance(ctx, 0, in)
	if err != nil {
		return store.Instance{}, err
	}
	created, err := s.store.CreateInstance(ctx, inst)
	if err != nil {
		return store.Instance{}, fmt.Errorf("service: create instance: %w", err)
	}
	s.audit(ctx, actor, "instance.create", instanceTarget(created.ID), Msg("audit.instance_created", "Name", created.Name,
		"Issuer", created.IssuerID, "Supported", returnWords(created.Supported), "Default", returnWords(created.DefaultReturn)),
		onOffWords(created.Enabled))
	return created, nil
}

// UpdateInstance validates and stores changes to an instance.
func (s *Service) UpdateInstance(ctx context.Context, actor host.User, id int64, in InstanceInput) (store.Instance, error) {
	old, err := s.GetInstance(ctx, id)
	if err != nil {
		return store.Instance{}, err
	}
	inst, err := s.validateInstance(ctx, id, in)
	if err != nil {
		return store.Instance{}, err
	}
	inst.ID, inst.Created = old.ID, old.Created
	updated, err := s.store.UpdateInstance(ctx, inst)
	if err != nil {
		return store.Instance{}, fmt.Errorf("service: update instance %d: %w", id, err)
	}
	s.audit(ctx, actor, "instance.update", instanceTarget(id), describeInstanceChanges(old, updated)...)
	return updated, nil
}

func describeInstanceChanges(old, cur store.Instance) []Message {
	var parts []Message
	if old.Name != cur.Name {
		parts = append(parts, Msg("audit.changed_name", "Old", old.Name, "New", cur.Name))
	}
	if old.IssuerID != cur.IssuerID {
		parts = append(parts, Msg("audit.changed_issuer", "Old", old.IssuerID, "New", cur.IssuerID))
	}
	if old.ControlledLinkFolder != cur.ControlledLinkFolder {
		parts = append(parts, Msg("audit.changed_folder", "Old", old.ControlledLinkFolder, "New", cur.ControlledLinkFolder))
	}
	if old.Supported != cur.Supported {
		parts = append(parts, Msg("audit.changed_supported", "Old", returnWords(old.Supported), "New", returnWords(cur.Supported)))
	}
	if old.DefaultReturn != cur.DefaultReturn {
		parts = append(parts, Msg("audit.changed_default", "Old", returnWords(old.DefaultReturn), "New", returnWords(cur.DefaultReturn)))
	}
	if old.Enabled != cur.Enabled {
		parts = append(parts, onOffWords(cur.Enabled))
	}
	if len(parts) == 0 {
		return []Message{Msg("audit.unchanged", "Name", cur.Name)}
	}
	return append([]Message{Msg("audit.updated", "Name", cur.Name)}, parts...)
}

// returnWords names a set of return types for the record.
func returnWords(t store.ReturnTypes) Message {
	rt := host.ReturnType(t)
	switch {
	case rt.Has(host.ReturnImport) && rt.Has(host.ReturnLink):
		return Msg("audit.returns.import_link")
	case rt.Has(host.ReturnImport):
		return Msg("audit.returns.import")
	case rt.Has(host.ReturnLink):
		return Msg("audit.returns.link")
	case rt.Has(host.ReturnControlledLink):
		return Msg("audit.returns.controlled")
	}
	return Msg("audit.returns.none")
}

// onOffWords records whether an instance is enabled.
func onOffWords(enabled bool) Message {
	if enabled {
		return Msg("audit.enabled")
	}
	return Msg("audit.disabled")
}

// InstanceImpact is what deleting an instance affects.
type InstanceImpact struct {
	Instance        store.Instance
	ControlledLinks int64 // kept, but no longer tied to an instance
}

// InstanceDeletionImpact reports what deleting an instance affects, for the confirmation page.
func (s *Service) InstanceDeletionImpact(ctx context.Context, id int64) (InstanceImpact, error) {
	in, err := s.GetInstance(ctx, id)
	if err != nil {
		return InstanceImpact{}, err
	}
	n, err := s.store.CountControlledLinks(ctx, store.ControlledLinkFilter{InstanceID: id})
	if err != nil {
		return InstanceImpact{}, fmt.Errorf("service: count controlled links: %w", err)
	}
	return InstanceImpact{Instance: in, ControlledLinks: n}, nil
}

// DeleteInstance removes an instance and its course settings.
func (s *Service) DeleteInstance(ctx context.Context, actor host.User, id int64) error {
	in, err := s.GetInstance(ctx, id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteInstance(ctx, id); err != nil {
		return fmt.Errorf("service: delete instance %d: %w", id, err)
	}
	s.audit(ctx, actor, "instance.delete", instanceTarget(id), Msg("audit.instance_deleted", "Name", in.Name))
	return nil
}

func instanceTarget(id int64) string { return fmt.Sprintf("instance %d", id) }
