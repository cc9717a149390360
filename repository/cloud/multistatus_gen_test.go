package cloud

import (
	"bytes"
	"math/rand"
	"strconv"
	"testing"
)

// FuzzParseMultistatusShapes builds well-formed multistatus documents from the fuzzer's bytes (prefixes chosen by
// the server, default namespaces, prefixes rebound inside responses, properties in any order, empty and filled
// elements, entities, CDATA, attributes, 2xx and 404 propstats, repeated response shapes) and holds the scanner to
// encoding/xml on each. Byte-level mutation seldom keeps a document valid; these stay valid and so reach the
// scanner's fast paths and the places where it must leave them.
func FuzzParseMultistatusShapes(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x03\x00\x00\x00\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09"))
	f.Add(bytes.Repeat([]byte{1, 7, 0, 3, 9, 2, 4, 0, 8, 5}, 30))
	f.Add(bytes.Repeat([]byte{0, 0, 6, 1, 0, 0, 2, 0, 3, 0, 0, 11, 4}, 40))
	// Choices at random reach the rarer branches at once, where mutations of the regular seeds take a while.
	for seed := range int64(64) {
		choices := make([]byte, 2000)
		rand.New(rand.NewSource(seed)).Read(choices)
		f.Add(choices)
	}
	f.Fuzz(func(t *testing.T, choices []byte) {
		checkAgainstReference(t, genMultistatus(choices))
	})
}

// docGen turns a stream of choices into a document.
type docGen struct {
	choices []byte
	b       bytes.Buffer
	style   map[string]string // the prefix the server uses for each namespace
}

// pick returns a choice below n; an exhausted stream picks 0.
func (g *docGen) pick(n int) int {
	if len(g.choices) == 0 {
		return 0
	}
	c := int(g.choices[0])
	g.choices = g.choices[1:]
	return c % n
}

// genScope is the namespace bindings in scope while generating, innermost last.
type genScope []struct{ prefix, ns string }

func (s genScope) lookup(prefix string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i].prefix == prefix {
			return s[i].ns
		}
	}
	return ""
}

// element writes one element named local in namespace ns, with content written by inner under the element's
// bindings. Mostly the tag is what the server's style gives; now and then the element binds a prefix for itself
// and its descendants (often to another namespace), uses a prefix bound elsewhere, or carries an attribute.
func (g *docGen) element(scope genScope, ns, local string, inner func(genScope)) {
	prefixes := []string{"d", "D", "", "oc", "nc", "x"}
	namespaces := []string{nsURIDAV, nsURIOC, nsURINC, "urn:other"}
	var attrs string
	declared := map[string]bool{}
	declare := func(prefix, target string) {
		if declared[prefix] {
			return
		}
		declared[prefix] = true
		attrs += ` ` + xmlnsAttr(prefix) + `="` + target + `"`
		scope = append(scope[:len(scope):len(scope)], struct{ prefix, ns string }{prefix, target})
	}
	if inner != nil && g.pick(4) == 3 {
		// Containers rebind one of the style's prefixes for their content (an element keeps its own name's
		// binding unless the same prefix is chosen), often to another namespace.
		declare(g.style[namespaces[g.pick(len(namespaces))]], namespaces[g.pick(len(namespaces))])
	}
	prefix := g.style[ns]
	switch g.pick(12) {
	case 7: // bind one of the style's prefixes, for the element and its descendants, often to another namespace
		declare(g.style[namespaces[g.pick(len(namespaces))]], namespaces[g.pick(len(namespaces))])
	case 8: // a prefix bound elsewhere, or not at all
		prefix = prefixes[g.pick(len(prefixes))]
	case 9: // the element's own prefix declared again
		declare(prefix, ns)
	case 10: // an ordinary attribute
		attrs += ` a="1"`
	case 11: // another prefix declared for the element
		prefix = prefixes[g.pick(len(prefixes))]
		declare(prefix, ns)
	}
	if hidden := scope.lookup(prefix) != ns && !declared[prefix]; hidden && g.pick(4) == 3 {
		// A binding made above hides the style's prefix: mostly the name is left in whatever namespace the
		// prefix now has; sometimes it is bound again here.
		declare(prefix, ns)
	}
	name := local
	if prefix != "" {
		name = prefix + ":" + local
	}
	if inner == nil && g.pick(2) == 1 {
		g.b.WriteString("<" + name + attrs + "/>")
		return
	}
	g.b.WriteString("<" + name + attrs + ">")
	if inner != nil {
		inner(scope)
	}
	g.b.WriteString("</" + name + ">")
}

func xmlnsAttr(prefix string) string {
	if prefix == "" {
		return "xmlns"
	}
	return "xmlns:" + prefix
}

// text writes one of the values.
func (g *docGen) text() func(genScope) {
	values := []string{"", "12", " 7 ", "Mon, 02 Jan 2006 15:04:05 GMT", "&quot;e1&quot;", "<![CDATA[R<G>]]>",
		"a&amp;b", "true", "-1", "text/plain", "x\r\ny", "&#x31;0"}
	v := values[g.pick(len(values))]
	return func(genScope) { g.b.WriteString(v) }
}

// genMultistatus makes a document of choices.
func genMultistatus(choices []byte) []byte {
	g := &docGen{choices: choices}
	props := []struct{ ns, local string }{
		{nsURIDAV, "getlastmodified"}, {nsURIDAV, "getcontentlength"}, {nsURIDAV, "getcontenttype"},
		{nsURIDAV, "getetag"}, {nsURIDAV, "resourcetype"}, {nsURIOC, "fileid"}, {nsURIOC, "permissions"},
		{nsURIOC, "size"}, {nsURINC, "has-preview"}, {nsURIDAV, "collection"}, {"urn:other", "size"},
		{nsURIDAV, "href"},
	}
	// The server's style: a prefix for each namespace (DAV: maybe the default namespace), declared on the root.
	styles := [][4]string{
		{"d", "oc", "nc", "o"}, {"D", "x", "nc", "oc"}, {"", "oc", "nc", "x"}, {"d", "nc", "oc", "x"},
	}
	st := styles[g.pick(len(styles))]
	g.style = map[string]string{nsURIDAV: st[0], nsURIOC: st[1], nsURINC: st[2], "urn:other": st[3]}
	var scope genScope
	g.b.WriteString(`<?xml version="1.0"?>` + "\n")
	root := "multistatus"
	if st[0] != "" {
		root = st[0] + ":" + root
	}
	g.b.WriteString("<" + root)
	for _, ns := range []string{nsURIDAV, nsURIOC, nsURINC, "urn:other"} {
		g.b.WriteString(` ` + xmlnsAttr(g.style[ns]) + `="` + ns + `"`)
		scope = append(scope, struct{ prefix, ns string }{g.style[ns], ns})
	}
	g.b.WriteString(">")
	// Responses repeat a shape (the order of their properties) unless the choices say otherwise.
	shape := make([]int, g.pick(10))
	for i := range shape {
		shape[i] = g.pick(len(props))
	}
	for r := range 1 + g.pick(16) {
		if g.pick(4) == 3 {
			for i := range shape {
				shape[i] = g.pick(len(props))
			}
		}
		g.element(scope, nsURIDAV, "response", func(scope genScope) {
			g.element(scope, nsURIDAV, "href", func(genScope) { g.b.WriteString("/r" + strconv.Itoa(r)) })
			for range 1 + g.pick(2) {
				g.element(scope, nsURIDAV, "propstat", func(scope genScope) {
					g.element(scope, nsURIDAV, "prop", func(scope genScope) {
						for _, k := range shape {
							p := props[k]
							if p.local == "resourcetype" && g.pick(2) == 1 {
								g.element(scope, p.ns, p.local, func(scope genScope) {
									g.element(scope, nsURIDAV, "collection", nil)
								})
								continue
							}
							g.element(scope, p.ns, p.local, g.text())
						}
					})
					status := "HTTP/1.1 200 OK"
					if g.pick(4) == 3 {
						status = "HTTP/1.1 404 Not Found"
					}
					g.element(scope, nsURIDAV, "status", func(genScope) { g.b.WriteString(status) })
				})
			}
		})
	}
	g.b.WriteString("</" + root + ">")
	return g.b.Bytes()
}
