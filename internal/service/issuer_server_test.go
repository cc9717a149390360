package service

import (
	"testing"

	"github.com/ocrepo/ocrepo/store"
)

func TestIssuerServerChange(t *testing.T) {
	t.Parallel()
	eps, err := PresetEndpoints(PresetNextcloud, "https://cloud.example.org/nc/")
	if err != nil {
		t.Fatal(err)
	}
	old := store.Issuer{BaseURL: "https://cloud.example.org/nc/", Preset: PresetNextcloud, Endpoints: eps}
	in := func(base string, change func([]store.Endpoint) []store.Endpoint) IssuerInput {
		e := append([]store.Endpoint(nil), eps...)
		if change != nil {
			e = change(e)
		}
		return IssuerInput{BaseURL: base, Preset: PresetNextcloud, Endpoints: e}
	}
	set := func(name, u string) func([]store.Endpoint) []store.Endpoint {
		return func(e []store.Endpoint) []store.Endpoint {
			for i := range e {
				if e[i].Name == name {
					e[i].URL = u
					return e
				}
			}
			return append(e, store.Endpoint{Name: name, URL: u})
		}
	}
	for _, tt := range []struct {
		name  string
		in    IssuerInput
		moved bool
	}{
		{"unchanged", in("https://cloud.example.org/nc/", nil), false},
		{"host in capitals", in("HTTPS://Cloud.Example.org/nc", nil), false},
		{"same origin, another path for an endpoint", in("https://cloud.example.org/nc/", set("ocs_endpoint", "https://cloud.example.org/other/ocs")), false},
		{"a public link origin", in("https://cloud.example.org/nc/", set("public_link_origin", "https://files.example.org/")), false},
		{"another base path", in("https://cloud.example.org/other/", nil), true},
		{"another host", in("https://evil.example/nc/", nil), true},
		{"another port", in("https://cloud.example.org:8443/nc/", nil), true},
		{"http instead of https", in("http://cloud.example.org/nc/", nil), true},
		{"token endpoint elsewhere", in("https://cloud.example.org/nc/", set("token_endpoint", "https://evil.example/token")), true},
		{"a new endpoint elsewhere", in("https://cloud.example.org/nc/", set("extra_endpoint", "https://evil.example/x")), true},
		{"endpoints left blank on a preset, base moved", IssuerInput{BaseURL: "https://evil.example/nc/", Preset: PresetNextcloud}, true},
		{"endpoints left blank on a preset", IssuerInput{BaseURL: "https://cloud.example.org/nc/", Preset: PresetNextcloud}, false},
	} {
		c := IssuerServerChange(old, tt.in)
		if c.Changed() != tt.moved {
			t.Errorf("%s: moved %t (%v), want %t", tt.name, c.Changed(), c.Moves, tt.moved)
		}
		if c.Changed() != (!c.Notice().IsZero()) {
			t.Errorf("%s: notice %v", tt.name, c.Notice())
		}
		fe := newServerProblems(c, tt.in)
		if tt.moved && (fe.Fields["client_secret"].IsZero() || fe.Fields["confirm_new_server"].IsZero()) {
			t.Errorf("%s: a move without secret and confirmation passes: %v", tt.name, fe.Fields)
		}
		typed := tt.in
		typed.ClientSecret, typed.ConfirmNewServer = "typed", true
		if fe := newServerProblems(c, typed); fe.err() != nil {
			t.Errorf("%s: a typed and confirmed move refused: %v", tt.name, fe)
		}
	}
}
