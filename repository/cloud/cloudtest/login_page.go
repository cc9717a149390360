package cloudtest

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
)

// pageTemplates is the HTML the server renders: the authorize page (ownCloud), the login flow and grant pages
// (Nextcloud), plain message pages, the login page and public link pages. Plain HTML, no JavaScript, so that a browser (or a test parsing the form) can drive it.
const pageTemplates = `
{{define "head"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} - {{.Product}}</title>
<style>
body{font-family:sans-serif;background:#0082c9;margin:0;padding:2em}
main{background:#fff;max-width:28em;margin:2em auto;padding:1.5em 2em;border-radius:8px}
label{display:block;margin-top:1em}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5em;font-size:1em}
button{margin-top:1.5em;padding:.6em 1.2em;font-size:1em}
.warning{color:#b00020;font-weight:bold}
</style>
</head>
<body>
<main>
{{end}}

{{define "foot"}}</main>
</body>
</html>
{{end}}

{{define "authorize"}}{{template "head" .}}<h1>Connect to your account</h1>
<p>Please log in before granting <strong>{{.ClientID}}</strong> access to your {{.Product}} account.</p>
{{if .Error}}<p class="warning" id="error" role="alert">{{.Error}}</p>
{{end}}<form method="post" action="{{.Action}}">
<input type="hidden" name="requesttoken" value="{{.RequestToken}}">
<input type="hidden" name="response_type" value="{{.ResponseType}}">
<input type="hidden" name="client_id" value="{{.ClientID}}">
<input type="hidden" name="state" value="{{.State}}">
<input type="hidden" name="redirect_uri" value="{{.RedirectURI}}">
<input type="hidden" name="code_challenge" value="{{.CodeChallenge}}">
<input type="hidden" name="code_challenge_method" value="{{.CodeChallengeMethod}}">
<label for="user">Account name or email</label>
<input type="text" id="user" name="user" value="{{.User}}" autocomplete="username" autocapitalize="none" required autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" id="submit">Grant access</button>
</form>
{{template "foot" .}}{{end}}

{{define "message"}}{{template "head" .}}<h1>{{.Title}}</h1>
<p class="warning" role="alert">{{.Message}}</p>
{{template "foot" .}}{{end}}

{{define "login"}}{{template "head" .}}<h1>Log in to {{.Product}}</h1>
{{if .Error}}<p class="warning" id="error" role="alert">{{.Error}}</p>
{{end}}<form method="post" action="{{.Action}}">
<input type="hidden" name="requesttoken" value="{{.RequestToken}}">
<input type="hidden" name="redirect_url" value="{{.Redirect}}">
<label for="user">Account name or email</label>
<input type="text" id="user" name="user" value="{{.User}}" autocomplete="username" autocapitalize="none" required autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" id="submit">Log in</button>
</form>
{{template "foot" .}}{{end}}

{{define "loginflow"}}{{template "head" .}}<h1>Connect to your account</h1>
<p>Please log in before granting <strong>{{.Client}}</strong> access to your {{.Product}} account.</p>
<p><a id="login-flow-start" href="{{.Link}}">Log in</a></p>
{{template "foot" .}}{{end}}

{{define "grant"}}{{template "head" .}}<h1>Account access</h1>
<p>Currently logged in as <strong id="grant-user">{{.User}}</strong>.</p>
<p>You are about to grant <strong>{{.Client}}</strong> access to your {{.Product}} account.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="requesttoken" value="{{.RequestToken}}">
<input type="hidden" name="stateToken" value="{{.StateToken}}">
<input type="hidden" name="clientIdentifier" value="{{.Client}}">
<input type="hidden" name="providedRedirectUri" value="">
<button type="submit" id="grant">Grant access</button>
</form>
{{template "foot" .}}{{end}}

{{define "public"}}{{template "head" .}}<h1>{{.Name}}</h1>
<p>Shared by {{.Owner}}{{if not .Dir}} &middot; {{.Size}} bytes{{end}}</p>
<p><a id="download" href="{{.Download}}">Download</a></p>
{{template "foot" .}}{{end}}

{{define "publicpassword"}}{{template "head" .}}<h1>This share is password-protected</h1>
{{if .Error}}<p class="warning" id="error" role="alert">{{.Error}}</p>
{{end}}<form method="post" action="{{.Action}}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="off" required>
<button type="submit" id="submit">Submit</button>
</form>
{{template "foot" .}}{{end}}

{{define "davfolder"}}{{template "head" .}}<h1>This is the WebDAV interface.</h1>
<p>It can only be accessed by WebDAV clients such as the {{.Product}} desktop sync client.</p>
{{template "foot" .}}{{end}}
`

// authorizeParams are the authorize request's parameters, carried through the form's hidden fields.
type authorizeParams struct {
	ClientID, State, RedirectURI, ResponseType, CodeChallenge, CodeChallengeMethod string
}

// renderAuthorize renders the login-and-consent page.
func (s *Server) renderAuthorize(w http.ResponseWriter, p authorizeParams, login, errMsg string) {
	data := struct {
		authorizeParams
		Title, Product, Action, RequestToken, User, Error string
	}{
		authorizeParams: p,
		Title:           "Login",
		Product:         s.productName(),
		Action:          s.URL + "index.php/apps/oauth2/authorize",
		RequestToken:    s.newRequestToken(),
		User:            login,
		Error:           errMsg,
	}
	s.render(w, http.StatusOK, "authorize", data)
}

// htmlPage renders a plain message page.
func (s *Server) htmlPage(w http.ResponseWriter, status int, title, message string) {
	s.render(w, status, "message", struct{ Title, Product, Message string }{title, s.productName(), message})
}

// notFoundPage is the answer to a path the server does not know.
func (s *Server) notFoundPage(w http.ResponseWriter) {
	s.htmlPage(w, http.StatusNotFound, "File not found", "The specified document has not been found on the server.")
}

// render executes a template into a buffer first, so that a template error never leaves half a page.
func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.templates().ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "cloudtest: render "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=UTF-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// templates returns the parsed page templates (parsed once per server).
func (s *Server) templates() *template.Template {
	s.tmplOnce.Do(func() {
		s.tmpl = template.Must(template.New("pages").Parse(pageTemplates))
	})
	return s.tmpl
}
