package admin

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/repository/cloud"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/templates"
)

// issuerState is the issuer form between requests: what the admin typed, and how to show it.
type issuerState struct {
	in        service.IssuerInput
	id        int64 // 0 when adding
	secretSet bool  // a secret is stored
	errors    map[string]string
	focus     string
	announce  string
	newServer string // the warning that the submitted addresses are another server's, or ""
}

// readIssuerForm reads the submitted issuer form; rows keep their order.
func readIssuerForm(c echo.Context) (service.IssuerInput, error) {
	form, err := c.FormParams()
	if err != nil {
		return service.IssuerInput{}, fmt.Errorf("admin: read issuer form: %w", err)
	}
	in := service.IssuerInput{
		Name:                form.Get("name"),
		BaseURL:             form.Get("base_url"),
		ClientID:            form.Get("client_id"),
		ClientSecret:        form.Get("client_secret"),
		BasicAuth:           form.Get("basic_auth") != "",
		AllowPrivateNetwork: form.Get("allow_private") != "",
		Preset:              form.Get("preset"),
		ConfirmNewServer:    form.Get("confirm_new_server") != "",
	}
	names, urls := form["endpoint_name"], form["endpoint_url"]
	for i := range max(len(names), len(urls)) {
		in.Endpoints = append(in.Endpoints, store.Endpoint{Name: at(names, i), URL: at(urls, i)})
	}
	exts, ints := form["mapping_external"], form["mapping_internal"]
	for i := range max(len(exts), len(ints)) {
		in.Mappings = append(in.Mappings, store.FieldMapping{External: at(exts, i), Internal: at(ints, i)})
	}
	return in, nil
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

// newIssuerInput is the form of a new cloud server: Nextcloud preset, Basic client auth, the default mappings.
func newIssuerInput() service.IssuerInput {
	return service.IssuerInput{BasicAuth: true, Preset: service.PresetNextcloud, Mappings: service.DefaultMappings()}
}

// issuerInputOf is the form of a stored issuer (the secret stays out).
func issuerInputOf(iss store.Issuer) service.IssuerInput {
	return service.IssuerInput{
		Name: iss.Name, BaseURL: iss.BaseURL, ClientID: iss.ClientID, BasicAuth: iss.BasicAuth,
		AllowPrivateNetwork: iss.AllowPrivateNetwork, Preset: iss.Preset,
		Endpoints: slices.Clone(iss.Endpoints), Mappings: slices.Clone(iss.Mappings),
	}
}

// applyAction carries out a form button other than save (fill from the preset, add or remove a row) and says
// where focus goes and what to announce.
func (h *handler) applyAction(c echo.Context, st *issuerState, action string) {
	l := h.env.Localizer(c)
	switch {
	case action == "preset":
		eps, err := service.PresetEndpoints(st.in.Preset, st.in.BaseURL)
		var fe *service.FormError
		if errors.As(err, &fe) {
			st.errors = h.fieldErrors(c, fe)
			st.focus = firstInvalid(st.errors)
			return
		}
		if err != nil {
			st.errors = map[string]string{"preset": l.T("admin.issuer.preset_failed")}
			st.focus = "issuer-preset"
			return
		}
		if base, msg := service.NormalizeBaseURL(st.in.BaseURL); msg.IsZero() {
			st.in.BaseURL = base
		}
		st.in.Endpoints = eps
		st.focus = "endpoint_url-0"
		st.announce = l.T("admin.issuer.filled", "Count", len(eps), "N", l.Number(int64(len(eps))), "Preset", service.PresetLabel(st.in.Preset))
	case action == "add_endpoint":
		st.in.Endpoints = append(st.in.Endpoints, store.Endpoint{})
		st.focus = "endpoint_name-" + strconv.Itoa(len(st.in.Endpoints)-1)
		st.announce = l.T("admin.issuer.endpoint_added")
	case strings.HasPrefix(action, "remove_endpoint:"):
		if i, err := strconv.Atoi(strings.TrimPrefix(action, "remove_endpoint:")); err == nil && i >= 0 && i < len(st.in.Endpoints) {
			st.announce = l.T("admin.issuer.endpoint_removed", "Name", h.orEmpty(c, st.in.Endpoints[i].Name))
			st.in.Endpoints = slices.Delete(st.in.Endpoints, i, i+1)
		}
		st.focus = "endpoint-add"
	case action == "add_mapping":
		st.in.Mappings = append(st.in.Mappings, store.FieldMapping{Internal: cloud.FieldName})
		st.focus = "mapping_external-" + strconv.Itoa(len(st.in.Mappings)-1)
		st.announce = l.T("admin.issuer.mapping_added")
	case strings.HasPrefix(action, "remove_mapping:"):
		if i, err := strconv.Atoi(strings.TrimPrefix(action, "remove_mapping:")); err == nil && i >= 0 && i < len(st.in.Mappings) {
			st.announce = l.T("admin.issuer.mapping_removed", "Path", h.orEmpty(c, st.in.Mappings[i].External))
			st.in.Mappings = slices.Delete(st.in.Mappings, i, i+1)
		}
		st.focus = "mapping-add"
	}
}

// orEmpty is s, or the words for an empty value.
func (h *handler) orEmpty(c echo.Context, s string) string {
	if strings.TrimSpace(s) == "" {
		return h.env.T(c, "admin.empty")
	}
	return s
}

// fieldErrors puts a form's problems into the admin's language, field by field.
func (h *handler) fieldErrors(c echo.Context, fe *service.FormError) map[string]string {
	out := make(map[string]string, len(fe.Fields))
	for k, w := range fe.Fields {
		out[k] = h.env.Say(c, w)
	}
	return out
}

// firstInvalid is the element id of the first field with an error, in the order the form shows them.
func firstInvalid(errs map[string]string) string {
	for _, k := range []string{"name", "base_url", "client_id", "client_secret", "confirm_new_server", "preset"} {
		if _, ok := errs[k]; ok {
			return issuerFieldID(k)
		}
	}
	groups := [][]string{{"endpoint_name", "endpoint_url"}, {"endpoints"}, {"mapping_external", "mapping_internal"}, {"mappings"}}
	for _, group := range groups {
		best, bestKey := -1, ""
		for k := range errs {
			kind, idx, hasIdx := strings.Cut(k, ".")
			pos := slices.Index(group, kind)
			if pos < 0 {
				continue
			}
			if !hasIdx {
				return issuerFieldID(k)
			}
			n, _ := strconv.Atoi(idx)
			if r := n*len(group) + pos; best < 0 || r < best {
				best, bestKey = r, k
			}
		}
		if bestKey != "" {
			return issuerFieldID(bestKey)
		}
	}
	return ""
}

// issuerFieldID is the element id of an error key.
func issuerFieldID(key string) string {
	switch key {
	case "name":
		return "issuer-name"
	case "base_url":
		return "issuer-base-url"
	case "client_id":
		return "issuer-client-id"
	case "client_secret":
		return "issuer-client-secret"
	case "confirm_new_server":
		return "issuer-confirm-new-server"
	case "preset":
		return "issuer-preset"
	case "endpoints":
		return "endpoint-add"
	case "mappings":
		return "mapping-add"
	}
	kind, idx, _ := strings.Cut(key, ".")
	return kind + "-" + idx
}

// formView builds the form's view model.
func (h *handler) formView(c echo.Context, st issuerState) templates.IssuerForm {
	f := templates.IssuerForm{
		New:              st.id == 0,
		CSRF:             web.CSRFToken(c),
		Name:             st.in.Name,
		BaseURL:          st.in.BaseURL,
		ClientID:         st.in.ClientID,
		SecretSet:        st.secretSet,
		SecretRetype:     st.in.ClientSecret != "" && !web.IsHTMX(c),
		NewServer:        st.newServer,
		ConfirmNewServer: st.in.ConfirmNewServer && st.newServer != "",
		BasicAuth:        st.in.BasicAuth,
		AllowPrivate:     st.in.AllowPrivateNetwork,
		Preset:           st.in.Preset,
		MapFields:        service.MappingFields(),
		Errors:           st.errors,
		Focus:            st.focus,
		Announce:         st.announce,
		Summary:          h.errorSummary(c, len(st.errors)),
	}
	if f.New {
		f.Action = h.env.Routes.URL("admin.issuer.create")
		f.CancelURL = h.env.Routes.URL("admin.issuers")
	} else {
		f.Action = h.env.Routes.URL("admin.issuer.update", st.id)
		f.CancelURL = h.env.Routes.URL("admin.issuer", st.id)
	}
	for _, p := range service.Presets() {
		label := service.PresetLabel(p)
		if p == service.PresetCustom {
			label = h.env.T(c, "admin.issuer.preset_custom")
		}
		f.Presets = append(f.Presets, templates.Option{Value: p, Label: label, Selected: p == st.in.Preset})
	}
	for i, e := range st.in.Endpoints {
		f.Endpoints = append(f.Endpoints, templates.EndpointRow{Index: i, Name: e.Name, URL: e.URL})
	}
	for i, m := range st.in.Mappings {
		f.Mappings = append(f.Mappings, templates.MappingRow{Index: i, External: m.External, Internal: m.Internal})
	}
	return f
}

// renderIssuerForm answers with the form alone (htmx) or the whole page (plain forms).
func (h *handler) renderIssuerForm(c echo.Context, status int, st issuerState) error {
	if web.IsHTMX(c) {
		return h.env.Render(c, status, templates.IssuerFormFragment(h.formView(c, st)))
	}
	page, err := h.issuerPage(c, st, nil)
	if err != nil {
		return h.failed(c, "admin.what.issuer", err)
	}
	return h.env.Render(c, status, templates.IssuerFormPage(page))
}

// issuerPage builds the whole add or edit page; check is a connection check result to show.
func (h *handler) issuerPage(c echo.Context, st issuerState, check *templates.CheckResult) (templates.IssuerPage, error) {
	title := h.env.T(c, "admin.issuer.new_title")
	if st.id != 0 {
		title = h.env.T(c, "admin.issuer.title", "Name", st.in.Name)
	}
	v := templates.IssuerPage{
		Frame:       h.frame(c, title, sectionIssuers),
		Heading:     title,
		CallbackURL: h.svc.CallbackURL(),
		Form:        h.formView(c, st),
	}
	if st.id == 0 {
		return v, nil
	}
	ctx := c.Request().Context()
	iss, err := h.svc.GetIssuer(ctx, st.id)
	if err != nil {
		return v, err
	}
	v.Heading = h.env.T(c, "admin.issuer.title", "Name", iss.Name)
	titled := h.env.Page(c, v.Heading)
	v.Frame.Page.Title, v.Frame.Page.Heading = titled.Title, titled.Heading
	panel, err := h.systemPanel(c, iss)
	if err != nil {
		return v, err
	}
	v.Edit = &templates.IssuerEdit{
		Product:   strings.TrimSpace(iss.Product + " " + iss.Version),
		Missing:   strings.Join(service.MissingEndpoints(iss), ", "),
		CheckURL:  h.env.Routes.URL("admin.issuer.check", iss.ID),
		CSRF:      web.CSRFToken(c),
		Check:     check,
		Timeout:   h.humanDuration(c, h.svc.Timeout()),
		System:    panel,
		DeleteURL: h.env.Routes.URL("admin.issuer.delete", iss.ID),
	}
	return v, nil
}

// humanDuration says a duration in words of the admin's language: "30 seconds", "2 minutes".
func (h *handler) humanDuration(c echo.Context, d time.Duration) string {
	l := h.env.Localizer(c)
	switch {
	case d%time.Minute == 0 && d >= time.Minute:
		n := int(d / time.Minute)
		return l.T("admin.duration.minutes", "Count", n, "N", l.Number(int64(n)))
	case d < time.Second:
		return l.T("admin.duration.ms", "N", l.Number(d.Milliseconds()))
	default:
		n := int(d.Round(time.Second) / time.Second)
		return l.T("admin.duration.seconds", "Count", n, "N", l.Number(int64(n)))
	}
}
