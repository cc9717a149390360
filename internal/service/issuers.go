package service

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
)

// ErrInvalidInput is matched by *FormError: a submitted value the admin must correct.
var ErrInvalidInput = errors.New("service: invalid input")

// FormError says what is wrong with a submitted form, field by field, as words for the admin (the admin pages
// say them in the admin's language). Field keys are the form's field names; rows of a table carry their index
// ("endpoint_url.2").
type FormError struct {
	Fields map[string]Message
}

// Error lists the fields and problems in a stable order.
func (e *FormError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k].ID)
	}
	return "service: invalid input: " + strings.Join(parts, "; ")
}

// Is matches ErrInvalidInput.
func (e *FormError) Is(target error) bool { return target == ErrInvalidInput }

// add records the first problem of a field.
func (e *FormError) add(field string, msg Message) {
	if e.Fields == nil {
		e.Fields = map[string]Message{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = msg
	}
}

// err is e when it holds a problem, else nil.
func (e *FormError) err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

// The issuer presets: the flavours of the cloud's flavour table that forms offer (their IDs are stored on
// issuers), and Custom for endpoints entered by hand.
const (
	PresetNextcloud = string(cloud.Nextcloud)
	PresetOwnCloud  = string(cloud.OwnCloud)
	PresetCustom    = "custom"
)

// Presets lists the presets in the order forms offer them: the flavour table's presets, then Custom.
func Presets() []string {
	var out []string
	for _, f := range cloud.Flavors() {
		if f.Preset {
			out = append(out, string(f.ID))
		}
	}
	return append(out, PresetCustom)
}

// PresetLabel names a preset for people (the flavour table's label).
func PresetLabel(p string) string {
	if p == PresetCustom {
		return "Custom"
	}
	if f, ok := cloud.FlavorByID(cloud.FlavorID(p)); ok {
		return f.Label
	}
	return p
}

// MappingFields are the internal user fields a mapping may fill.
func MappingFields() []string {
	return []string{cloud.FieldUsername, cloud.FieldEmail, cloud.FieldName}
}

// DefaultMappings are the mappings a new issuer starts with, in a stable order.
func DefaultMappings() []store.FieldMapping {
	m := cloud.DefaultMappings()
	out := make([]store.FieldMapping, 0, len(m))
	for ext, in := range m {
		out = append(out, store.FieldMapping{External: ext, Internal: in})
	}
	order := MappingFields()
	sort.Slice(out, func(i, j int) bool {
		a, b := slices.Index(order, out[i].Internal), slices.Index(order, out[j].Internal)
		if a != b {
			return a < b
		}
		return out[i].External < out[j].External
	})
	return out
}

// PresetEndpoints fills the five endpoints of a preset from a base URL (port and sub-path kept), in the order
// admin pages show them. The error is a *FormError on "base_url" or "preset".
func PresetEndpoints(preset, baseURL string) ([]store.Endpoint, error) {
	fe := &FormError{}
	base, msg := NormalizeBaseURL(baseURL)
	if !msg.IsZero() {
		fe.add("base_url", msg)
		return nil, fe
	}
	if preset == PresetCustom || !slices.Contains(Presets(), preset) {
		var labels []string
		for _, p := range Presets() {
			if p != PresetCustom {
				labels = append(labels, PresetLabel(p))
			}
		}
		fe.add("preset", Msg("admin.invalid.preset_fill", "Presets", strings.Join(labels, " / ")))
		return nil, fe
	}
	m, err := cloud.PresetEndpoints(cloud.FlavorID(preset), base)
	if err != nil {
		return nil, fmt.Errorf("service: preset endpoints: %w", err)
	}
	out := make([]store.Endpoint, 0, len(m))
	for _, name := range cloud.EndpointNames() {
		out = append(out, store.Endpoint{Name: name, URL: m[name]})
	}
	return out, nil
}

// NormalizeBaseURL checks a base URL (absolute http or https, a host, no query, fragment or credentials) and
// gives it a trailing slash. The second result is the problem for the admin, or none.
func NormalizeBaseURL(raw string) (string, Message) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", Msg("admin.invalid.base_url_empty")
	}
	u, msg := parseHTTPURL(raw)
	if !msg.IsZero() {
		return "", msg
	}
	if u.RawQuery != "" || u.ForceQuery {
		return "", Msg("admin.invalid.base_url_query")
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u.String(), Message{}
}

// parseHTTPURL checks an absolute http(s) URL with a host, without credentials or fragment.
func parseHTTPURL(raw string) (*url.URL, Message) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, Msg("admin.invalid.url")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if (u.Scheme != "http" && u.Scheme != "https") || u.Opaque != "" {
		return nil, Msg("admin.invalid.url_absolute")
	}
	if u.Hostname() == "" {
		return nil, Msg("admin.invalid.url_host")
	}
	if u.User != nil {
		return nil, Msg("admin.invalid.url_user")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, Msg("admin.invalid.url_fragment")
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u, Message{}
}

// validEndpointName reports whether name is made of lower-case letters, digits and _.
func validEndpointName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// validDashPath reports whether p is a dash path into the userinfo JSON: keys of letters, digits, _ and .
// joined by single dashes ("ocs-data-email").
func validDashPath(p string) bool {
	if p == "" || strings.HasPrefix(p, "-") || strings.HasSuffix(p, "-") || strings.Contains(p, "--") {
		return false
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// IssuerInput is an issuer as the admin's form submits it.
type IssuerInput struct {
	Name     string
	BaseURL  string
	ClientID string
	// ClientSecret is the new secret; empty on an update keeps the stored one.
	ClientSecret        string
	BasicAuth           bool
	AllowPrivateNetwork bool
	Preset              string
	Endpoints           []store.Endpoint
	Mappings            []store.FieldMapping
	// ConfirmNewServer is the admin's confirmation, after the form's notice, that an edit moving the issuer to
	// another address (see IssuerServerChange) may sign everybody out.
	ConfirmNewServer bool
}

// validateIssuer checks in against the other issuers and returns the issuer to store (without ID, secret and
// times). Rows left entirely blank are dropped. A preset issuer without endpoints gets the preset's.
func (s *Service) validateIssuer(ctx context.Context, id int64, in IssuerInput) (store.Issuer, error) {
	fe := &FormError{}
	out := store.Issuer{
		Name:                strings.TrimSpace(in.Name),
		ClientID:            strings.TrimSpace(in.ClientID),
		BasicAuth:           in.BasicAuth,
		AllowPrivateNetwork: in.AllowPrivateNetwork,
		Preset:              in.Preset,
	}
	switch {
	case out.Name == "":
		fe.add("name", Msg("admin.invalid.issuer_name"))
	case len(out.Name) > 200:
		fe.add("name", Msg("admin.invalid.name_long"))
	default:
		all, err := s.store.ListIssuers(ctx)
		if err != nil {
			return store.Issuer{}, fmt.Errorf("service: list issuers: %w", err)
		}
		for _, other := range all {
			if other.ID != id && strings.EqualFold(strings.TrimSpace(other.Name), out.Name) {
				fe.add("name", Msg("admin.invalid.issuer_name_taken"))
			}
		}
	}
	base, msg := NormalizeBaseURL(in.BaseURL)
	if !msg.IsZero() {
		fe.add("base_url", msg)
	}
	out.BaseURL = base
	if out.ClientID == "" {
		fe.add("client_id", Msg("admin.invalid.client_id"))
	}
	if strings.ContainsAny(in.ClientSecret, "\r\n") {
		fe.add("client_secret", Msg("admin.invalid.client_secret_lines"))
	}
	if !slices.Contains(Presets(), out.Preset) {
		fe.add("preset", Msg("admin.invalid.preset"))
	}

	seen := map[string]bool{}
	for i, e := range in.Endpoints {
		name, raw := strings.TrimSpace(e.Name), strings.TrimSpace(e.URL)
		if name == "" && raw == "" {
			continue
		}
		nk, uk := fmt.Sprintf("endpoint_name.%d", i), fmt.Sprintf("endpoint_url.%d", i)
		switch {
		case name == "":
			fe.add(nk, Msg("admin.invalid.endpoint_name"))
		case !validEndpointName(name):
			fe.add(nk, Msg("admin.invalid.endpoint_name_chars"))
		case seen[name]:
			fe.add(nk, Msg("admin.invalid.endpoint_name_twice"))
		}
		seen[name] = true
		if raw == "" {
			fe.add(uk, Msg("admin.invalid.endpoint_url"))
		} else if msg := checkEndpointURL(name, raw); !msg.IsZero() {
			fe.add(uk, msg)
		}
		out.Endpoints = append(out.Endpoints, store.Endpoint{Name: name, URL: raw})
	}
	if len(out.Endpoints) == 0 && base != "" && out.Preset != PresetCustom && slices.Contains(Presets(), out.Preset) {
		eps, err := PresetEndpoints(out.Preset, base)
		if err == nil {
			out.Endpoints = eps
		}
	}

	seenExt, seenInt := map[string]bool{}, map[string]bool{}
	for i, m := range in.Mappings {
		ext, field := strings.TrimSpace(m.External), strings.TrimSpace(m.Internal)
		if ext == "" && field == "" {
			continue
		}
		ek, ik := fmt.Sprintf("mapping_external.%d", i), fmt.Sprintf("mapping_internal.%d", i)
		switch {
		case ext == "":
			fe.add(ek, Msg("admin.invalid.mapping_path"))
		case !validDashPath(ext):
			fe.add(ek, Msg("admin.invalid.mapping_path_chars"))
		case seenExt[ext]:
			fe.add(ek, Msg("admin.invalid.mapping_path_twice"))
		}
		seenExt[ext] = true
		switch {
		case !slices.Contains(MappingFields(), field):
			fe.add(ik, Msg("admin.invalid.mapping_field"))
		case seenInt[field]:
			fe.add(ik, Msg("admin.invalid.mapping_field_twice", "Field", field))
		}
		seenInt[field] = true
		out.Mappings = append(out.Mappings, store.FieldMapping{External: ext, Internal: field})
	}
	if !seenInt[cloud.FieldUsername] && !seenInt[cloud.FieldEmail] {
		fe.add("mappings", Msg("admin.invalid.mappings"))
	}
	if err := fe.err(); err != nil {
		return store.Issuer{}, err
	}
	return out, nil
}

// checkEndpointURL checks one endpoint URL; the WebDAV endpoint may hold {userid} in its path.
func checkEndpointURL(name, raw string) Message {
	check := raw
	if strings.Contains(raw, cloud.UserIDPlaceholder) {
		if name != cloud.EndpointWebDAV {
			return Msg("admin.invalid.userid_webdav_only", "Placeholder", cloud.UserIDPlaceholder)
		}
		if q := strings.IndexByte(raw, '?'); q >= 0 && strings.Contains(raw[q:], cloud.UserIDPlaceholder) {
			return Msg("admin.invalid.userid_in_query", "Placeholder", cloud.UserIDPlaceholder)
		}
		check = strings.ReplaceAll(raw, cloud.UserIDPlaceholder, "user")
	}
	_, msg := parseHTTPURL(check)
	return msg
}

// MissingEndpoints lists the endpoints an issuer needs but lacks, in the order admin pages show them.
func MissingEndpoints(iss store.Issuer) []string {
	var out []string
	for _, name := range cloud.EndpointNames() {
		if strings.TrimSpace(iss.EndpointURL(name)) == "" {
			out = append(out, name)
		}
	}
	return out
}

// IssuerSummary is an issuer as the admin's list shows it.
type IssuerSummary struct {
	Issuer    store.Issuer
	System    Connection
	Instances int
	Missing   []string // endpoints it lacks
}

// ListIssuers returns every issuer with its system account and how many instances use it.
func (s *Service) ListIssuers(ctx context.Context) ([]IssuerSummary, error) {
	all, err := s.store.ListIssuers(ctx)
	if err != nil {
		return nil, fmt.Errorf("service: list issuers: %w", err)
	}
	insts, err := s.store.ListInstances(ctx)
	if err != nil {
		return nil, fmt.Errorf("service: list instances: %w", err)
	}
	systems, err := s.systemConnections(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]IssuerSummary, 0, len(all))
	for _, iss := range all {
		sys, err := s.systemConnectionIn(ctx, systems, iss.ID)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, in := range insts {
			if in.IssuerID == iss.ID {
				n++
			}
		}
		out = append(out, IssuerSummary{Issuer: iss, System: sys, Instances: n, Missing: MissingEndpoints(iss)})
	}
	return out, nil
}

// GetIssuer returns one issuer (its secret included: callers never show it).
func (s *Service) GetIssuer(ctx context.Context, id int64) (store.Issuer, error) {
	iss, err := s.store.GetIssuer(ctx, id)
	if err != nil {
		return store.Issuer{}, fmt.Errorf("service: issuer %d: %w", id, err)
	}
	return iss, nil
}

// CreateIssuer validates and stores a new issuer and records who did it.
func (s *Service) CreateIssuer(ctx context.Context, actor host.User, in IssuerInput) (store.Issuer, error) {
	iss, err := s.validateIssuer(ctx, 0, in)
	if err != nil {
		return store.Issuer{}, err
	}
	iss.ClientSecret = strings.TrimSpace(in.ClientSecret)
	created, err := s.store.CreateIssuer(ctx, iss)
	if errors.Is(err, store.ErrDuplicate) {
		return store.Issuer{}, &FormError{Fields: map[string]Message{"name": Msg("admin.invalid.issuer_name_taken")}}
	}
	if err != nil {
		return store.Issuer{}, fmt.Errorf("service: create issuer: %w", err)
	}
	detail := []Message{Msg("audit.issuer_created", "Name", created.Name, "URL", created.BaseURL, "Preset", PresetLabel(created.Preset))}
	if created.ClientSecret == "" {
		detail = append(detail, Msg("audit.no_secret"))
	}
	s.audit(ctx, actor, "issuer.create", issuerTarget(created.ID), detail...)
	return created, nil
}

// UpdateIssuer validates and stores changes to an issuer. An empty ClientSecret keeps the stored secret. The
// detected product and version are kept unless the base URL changed. An edit that moves the issuer to another
// server (IssuerServerChange) needs the secret typed again and ConfirmNewServer, and drops every stored login.
func (s *Service) UpdateIssuer(ctx context.Context, actor host.User, id int64, in IssuerInput) (store.Issuer, error) {
	old, ok := requestIssuer(ctx, id) // read by the same request (WithIssuer)
	if !ok {
		var err error
		if old, err = s.GetIssuer(ctx, id); err != nil {
			return store.Issuer{}, err
		}
	}
	change := IssuerServerChange(old, in)
	iss, err := s.validateIssuer(ctx, id, in)
	if err != nil {
		return store.Issuer{}, err
	}
	if fe := newServerProblems(change, in); fe.err() != nil {
		return store.Issuer{}, fe
	}
	iss.ID, iss.Created = old.ID, old.Created
	iss.ClientSecret = old.ClientSecret
	if sec := strings.TrimSpace(in.ClientSecret); sec != "" {
		iss.ClientSecret = sec
	}
	if iss.BaseURL == old.BaseURL {
		iss.Product, iss.Version = old.Product, old.Version
	}
	if change.Changed() {
		return s.replaceIssuerServer(ctx, actor, old, iss, change)
	}
	updated, err := s.store.UpdateIssuer(ctx, iss)
	if err != nil {
		return store.Issuer{}, fmt.Errorf("service: update issuer %d: %w", id, err)
	}
	s.audit(ctx, actor, "issuer.update", issuerTarget(id), describeIssuerChanges(old, updated)...)
	// The admin has looked at the client settings: stored logins may try again at once, on every replica.
	if err := s.store.ClearClientPause(ctx, id); err != nil {
		s.log.ErrorContext(ctx, "ocrepo: clear the client pause", "issuer", id, "err", err)
	}
	return updated, nil
}

// describeIssuerChanges says what changed, for the audit trail: values of plain fields, only the fact for the
// secret.
func describeIssuerChanges(old, cur store.Issuer) []Message {
	var parts []Message
	if old.Name != cur.Name {
		parts = append(parts, Msg("audit.changed_name", "Old", old.Name, "New", cur.Name))
	}
	if old.BaseURL != cur.BaseURL {
		parts = append(parts, Msg("audit.changed_base_url", "Old", old.BaseURL, "New", cur.BaseURL))
	}
	if old.ClientID != cur.ClientID {
		parts = append(parts, Msg("audit.changed_client_id", "Old", old.ClientID, "New", cur.ClientID))
	}
	if old.ClientSecret != cur.ClientSecret {
		parts = append(parts, Msg("audit.secret_replaced"))
	}
	if old.BasicAuth != cur.BasicAuth {
		parts = append(parts, Msg("audit.basic_auth."+strconv.FormatBool(cur.BasicAuth)))
	}
	if old.AllowPrivateNetwork != cur.AllowPrivateNetwork {
		parts = append(parts, Msg("audit.private_networks."+strconv.FormatBool(cur.AllowPrivateNetwork)))
	}
	if old.Preset != cur.Preset {
		parts = append(parts, Msg("audit.changed_preset", "Old", PresetLabel(old.Preset), "New", PresetLabel(cur.Preset)))
	}
	if !slices.Equal(old.Endpoints, cur.Endpoints) {
		parts = append(parts, Msg("audit.endpoints_changed"))
	}
	if !slices.Equal(old.Mappings, cur.Mappings) {
		parts = append(parts, Msg("audit.mappings_changed"))
	}
	if len(parts) == 0 {
		return []Message{Msg("audit.unchanged", "Name", cur.Name)}
	}
	return append([]Message{Msg("audit.updated", "Name", cur.Name)}, parts...)
}

// IssuerImpact is what deleting an issuer takes with it.
type IssuerImpact struct {
	Issuer          store.Issuer
	Instances       []store.Instance // deleted with it
	UserLogins      int64            // users' stored logins dropped
	System          Connection       // its system account, disconnected
	ControlledLinks int64            // records kept, but their files can no longer be opened through ocrepo
}

// IssuerDeletionImpact reports what deleting an issuer would take with it, for the confirmation page.
func (s *Service) IssuerDeletionImpact(ctx context.Context, id int64) (IssuerImpact, error) {
	iss, err := s.GetIssuer(ctx, id)
	if err != nil {
		return IssuerImpact{}, err
	}
	imp := IssuerImpact{Issuer: iss}
	insts, err := s.store.ListInstances(ctx)
	if err != nil {
		return IssuerImpact{}, fmt.Errorf("service: list instances: %w", err)
	}
	for _, in := range insts {
		if in.IssuerID == id {
			imp.Instances = append(imp.Instances, in)
		}
	}
	if imp.UserLogins, err = s.store.CountUserTokens(ctx, id); err != nil {
		return IssuerImpact{}, fmt.Errorf("service: count logins at issuer %d: %w", id, err)
	}
	if imp.System, err = s.SystemConnection(ctx, id); err != nil {
		return IssuerImpact{}, err
	}
	if imp.ControlledLinks, err = s.store.CountControlledLinks(ctx, store.ControlledLinkFilter{IssuerID: id}); err != nil {
		return IssuerImpact{}, fmt.Errorf("service: count controlled links: %w", err)
	}
	return imp, nil
}

// DeleteIssuer removes an issuer with its instances, course settings and every stored login, and records what
// went with it.
func (s *Service) DeleteIssuer(ctx context.Context, actor host.User, id int64) error {
	imp, err := s.IssuerDeletionImpact(ctx, id)
	if err != nil {
		return err
	}
	if err := s.store.DeleteIssuer(ctx, id); err != nil {
		return fmt.Errorf("service: delete issuer %d: %w", id, err)
	}
	names := make([]string, 0, len(imp.Instances))
	for _, in := range imp.Instances {
		names = append(names, in.Name)
	}
	detail := []Message{Msg("audit.issuer_deleted", "Name", imp.Issuer.Name, "URL", imp.Issuer.BaseURL)}
	if len(names) > 0 {
		detail = append(detail, Msg("audit.instances_deleted", "Count", len(names), "Names", strings.Join(names, ", ")))
	}
	detail = append(detail, Msg("audit.logins_dropped", "Count", imp.UserLogins))
	if imp.System.Connected {
		detail = append(detail, Msg("audit.system_dropped", "User", imp.System.CloudUser))
	}
	s.audit(ctx, actor, "issuer.delete", issuerTarget(id), detail...)
	return nil
}

func issuerTarget(id int64) string { return fmt.Sprintf("issuer %d", id) }
