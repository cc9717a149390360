package service

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Message is words for a person, as a catalog message id and its parameters. The service speaks no language of
// its own: the HTTP layer says a Message in the user's language (web.Say), so one refusal or explanation reads
// the same in every language the catalogs have.
//
// Args are name, value pairs. A value is a string (user data: a file or cloud name, said as is), an int or int64
// (a number in the language's digits; the one named "Count" also picks the plural form and is given to the
// message as "Count" and, written out, as "N"), Bytes (a size), Wait (a duration a person waits), or a Message
// (words of their own, said in the same language). The parameter "Cloud" is the cloud's name, or the message
// cloud.unnamed for a cloud without one; the message also gets "Named" to tell the two apart.
type Message struct {
	ID   string
	Args []any
}

// Msg is the message id with its parameters.
func Msg(id string, args ...any) Message { return Message{ID: id, Args: args} }

// IsZero reports whether m says nothing.
func (m Message) IsZero() bool { return m.ID == "" }

// String is the message id and its parameters, for logs and error strings (never shown to people).
func (m Message) String() string {
	if len(m.Args) == 0 {
		return m.ID
	}
	var b strings.Builder
	b.WriteString(m.ID)
	b.WriteByte('(')
	for i := 0; i+1 < len(m.Args); i += 2 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%v=%v", m.Args[i], m.Args[i+1])
	}
	b.WriteByte(')')
	return b.String()
}

// Bytes is a size in bytes, said in the language's numbers and units.
type Bytes int64

// Wait is how long a person waits: "30 seconds", "2 minutes", "an hour".
type Wait time.Duration

// String writes a size for logs.
func (b Bytes) String() string { return HumanBytes(int64(b)) }

// String writes a wait for logs.
func (w Wait) String() string { return time.Duration(w).String() }

// theCloud names a cloud whose name is not known: cloudName as it is, else the catalog's words for "the cloud".
func theCloud(cloudName string) any {
	if cloudName == "" {
		return Msg("cloud.unnamed")
	}
	return cloudName
}

// storedPrefix starts a Message stored as text (an import's error or label). A file's base name never contains
// a slash, so a stored file name is never taken for a message.
const storedPrefix = "/msg"

// storedMessage is a Message in JSON, its parameters typed.
type storedMessage struct {
	ID   string      `json:"id"`
	Args []storedArg `json:"a,omitempty"`
}

type storedArg struct {
	Name string         `json:"n"`
	Str  *string        `json:"s,omitempty"`
	Int  *int64         `json:"i,omitempty"`
	Size *int64         `json:"b,omitempty"`
	Wait *int64         `json:"w,omitempty"`
	Msg  *storedMessage `json:"m,omitempty"`
}

func toStored(m Message) *storedMessage {
	s := &storedMessage{ID: m.ID}
	for i := 0; i+1 < len(m.Args); i += 2 {
		a := storedArg{Name: fmt.Sprint(m.Args[i])}
		switch v := m.Args[i+1].(type) {
		case int:
			n := int64(v)
			a.Int = &n
		case int64:
			a.Int = &v
		case Bytes:
			n := int64(v)
			a.Size = &n
		case Wait:
			n := int64(v)
			a.Wait = &n
		case Message:
			a.Msg = toStored(v)
		default:
			str := fmt.Sprint(v)
			a.Str = &str
		}
		s.Args = append(s.Args, a)
	}
	return s
}

func fromStored(s *storedMessage) Message {
	m := Message{ID: s.ID}
	for _, a := range s.Args {
		var v any
		switch {
		case a.Int != nil:
			v = *a.Int
		case a.Size != nil:
			v = Bytes(*a.Size)
		case a.Wait != nil:
			v = Wait(*a.Wait)
		case a.Msg != nil:
			v = fromStored(a.Msg)
		case a.Str != nil:
			v = *a.Str
		default:
			v = ""
		}
		m.Args = append(m.Args, a.Name, v)
	}
	return m
}

// Store writes m as text for a store column that keeps words for later (an import's error, its label), so that
// whoever reads it later reads it in their own language.
func (m Message) Store() string {
	b, err := json.Marshal(toStored(m))
	if err != nil { // plain data only: cannot fail
		return storedPrefix + `{"id":"` + m.ID + `"}`
	}
	return storedPrefix + string(b)
}

// StoredMessage reads text written by Message.Store; ok is false for any other text (a file name, or words stored
// before messages were), which the caller shows as it is.
func StoredMessage(text string) (m Message, ok bool) {
	rest, found := strings.CutPrefix(text, storedPrefix)
	if !found {
		return Message{}, false
	}
	var s storedMessage
	if err := json.Unmarshal([]byte(rest), &s); err != nil || s.ID == "" {
		return Message{}, false
	}
	return fromStored(&s), true
}
