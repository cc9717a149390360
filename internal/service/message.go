package service

import (
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
// message as "Count" and, written out, as "N"), Bytes (a size), Wait (a duration a person waits), a time.Time
// (an instant, said in the user's language and time zone), a bool (for the message to choose its words), or a
// Message (words of their own, said in the same language). The parameter "Cloud" is the cloud's name, or the
// message cloud.unnamed for a cloud without one; the message also gets "Named" to tell the two apart.
//
// StoreMessages keeps messages in a store column for whoever reads the row later; StoredMessages reads them back.
type Message struct {
	ID   string
	Args []any
}

// Msg is the message id with its parameters.
func Msg(id string, args ...any) Message { return Message{ID: id, Args: args} }

// IsZero reports whether m says nothing.
func (m Message) IsZero() bool { return m.ID == "" }

// Arg returns the parameter name, or nil.
func (m Message) Arg(name string) any {
	for i := 0; i+1 < len(m.Args); i += 2 {
		if m.Args[i] == name {
			return m.Args[i+1]
		}
	}
	return nil
}

// redacted is m with every text parameter passed through clean.
func (m Message) redacted(clean func(string) string) Message {
	if len(m.Args) == 0 {
		return m
	}
	args := make([]any, len(m.Args))
	copy(args, m.Args)
	for i := 1; i < len(args); i += 2 {
		if s, ok := args[i].(string); ok {
			args[i] = clean(s)
		}
	}
	return Message{ID: m.ID, Args: args}
}

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

// List is items said one after the other with the language's separator (".pdf, .odt" in English, ".pdf، .odt"
// in Arabic); the items themselves (file types, names) are said as they are.
type List []string

// String writes a list for logs.
func (l List) String() string { return strings.Join(l, ", ") }

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
