package admin

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ocrepo/ocrepo/internal/service"
	"github.com/ocrepo/ocrepo/internal/web"
	"github.com/ocrepo/ocrepo/repository/host"
	"github.com/ocrepo/ocrepo/store"
	"github.com/ocrepo/ocrepo/templates"
)

// returnChoice is one default-return choice of the instance form.
type returnChoice struct {
	value string
	t     host.ReturnType
}

// defaultChoices are the default-return choices of the instance form.
func defaultChoices() []returnChoice {
	return []returnChoice{{"import", host.ReturnImport}, {"link", host.ReturnLink}, {"controlled", host.ReturnControlledLink}}
}

// readInstanceForm reads the submitted instance form.
func readInstanceForm(c echo.Context) service.InstanceInput {
	in := service.InstanceInput{
		Name:                 c.FormValue("name"),
		ControlledLinkFolder: c.FormValue("folder"),
		Enabled:              c.FormValue("enabled") != "",
	}
	in.IssuerID, _ = strconv.ParseInt(c.FormValue("issuer"), 10, 64)
	if c.FormValue("import") != "" {
		in.Supported |= host.ReturnImport
	}
	if c.FormValue("link") != "" {
		in.Supported |= host.ReturnLink
	}
	for _, d := range defaultChoices() {
		if d.value == c.FormValue("default_return") {
			in.DefaultReturn = d.t
		}
	}
	return in
}

// instanceInputOf is the form of a stored instance.
func instanceInputOf(in store.Instance) service.InstanceInput {
	return service.InstanceInput{Name: in.Name, IssuerID: in.IssuerID, ControlledLinkFolder: in.ControlledLinkFolder,
		Supported: host.ReturnType(in.Supported), DefaultReturn: host.ReturnType(in.DefaultReturn), Enabled: in.Enabled}
}

// newInstanceInput is the form of a new instance: both types, internal files by default, enabled.
func newInstanceInput() service.InstanceInput {
	return service.InstanceInput{ControlledLinkFolder: service.DefaultControlledLinkFolder,
		Supported: host.ReturnImport | host.ReturnLink, DefaultReturn: host.ReturnImport, Enabled: true}
}

// instanceFieldID is the element id of an instance form error key.
func instanceFieldID(key string) string {
	switch key {
	case "issuer":
		return "instance-issuer"
	case "folder":
		return "instance-folder"
	case "supported":
		return "instance-import"
	case "default_return":
		return "instance-default"
	}
	return "instance-name"
}

// instanceFormView builds the instance form's view model; id is 0 when adding.
func (h *handler) instanceFormView(c echo.Context, id int64, in service.InstanceInput, errs map[string]string) (templates.InstanceForm, error) {
	fits, err := h.svc.IssuerFitnesses(c.Request().Context())
	if err != nil {
		return templates.InstanceForm{}, err
	}
	f := templates.InstanceForm{
		New: id == 0, CSRF: web.CSRFToken(c), Name: in.Name, Folder: in.ControlledLinkFolder,
		Import: in.Supported.Has(host.ReturnImport), Link: in.Supported.Has(host.ReturnLink), Enabled: in.Enabled,
		Errors: errs, Summary: h.errorSummary(c, len(errs)),
		Action: h.env.Routes.URL("admin.instance.create"), CancelURL: h.env.Routes.URL("admin.instances"),
	}
	if id != 0 {
		f.Action = h.env.Routes.URL("admin.instance.update", id)
	}
	for _, k := range []string{"name", "issuer", "folder", "supported", "default_return"} {
		if _, ok := errs[k]; ok {
			f.Focus = instanceFieldID(k)
			break
		}
	}
	if f.Focus == "" && id == 0 {
		f.Focus = "instance-name"
	}
	for _, fit := range fits {
		ch := templates.IssuerChoice{ID: fit.Issuer.ID, Name: fit.Issuer.Name, Selected: fit.Issuer.ID == in.IssuerID, Suitable: fit.Suitable()}
		ch.Note = h.fitnessNote(c, fit)
		f.Issuers = append(f.Issuers, ch)
	}
	for _, d := range defaultChoices() {
		f.Defaults = append(f.Defaults, templates.Option{Value: d.value, Label: h.returnLabel(c, d.t), Selected: d.t == in.DefaultReturn})
	}
	return f, nil
}

// renderInstanceForm answers with the form alone (htmx) or the whole page.
func (h *handler) renderInstanceForm(c echo.Context, status int, id int64, in service.InstanceInput, errs map[string]string) error {
	f, err := h.instanceFormView(c, id, in, errs)
	if err != nil {
		return h.failed(c, "admin.what.instance", err)
	}
	if web.IsHTMX(c) {
		return h.env.Render(c, status, templates.InstanceFormFragment(f))
	}
	title := h.env.T(c, "admin.instance.new_title")
	v := templates.InstancePage{Form: f}
	if id != 0 {
		title = h.env.T(c, "admin.instance.title", "Name", in.Name)
		v.DeleteURL = h.env.Routes.URL("admin.instance.delete", id)
	}
	v.Frame, v.Heading = h.frame(c, title, sectionInstances), title
	return h.env.Render(c, status, templates.InstanceFormPage(v))
}
