package service

import (
	"encoding/json"
	"strings"
)

// Words are words for a person, as a message id of the shipped catalogs with its parameters (name, value
// pairs, as i18n's Localizer.T takes them). The service says what to tell; the HTTP layer says it in the person's
// language.
type Words struct {
	ID   string
	Args []any
}

// say builds Words.
func say(id string, args ...any) Words { return Words{ID: id, Args: args} }

// IsZero reports whether there is nothing to say.
func (w Words) IsZero() bool { return w.ID == "" }

// Arg returns the parameter name, or nil.
func (w Words) Arg(name string) any {
	for i := 0; i+1 < len(w.Args); i += 2 {
		if w.Args[i] == name {
			return w.Args[i+1]
		}
	}
	return nil
}

// redacted is w with every text parameter passed through clean.
func (w Words) redacted(clean func(string) string) Words {
	if len(w.Args) == 0 {
		return w
	}
	args := make([]any, len(w.Args))
	copy(args, w.Args)
	for i := 1; i < len(args); i += 2 {
		if s, ok := args[i].(string); ok {
			args[i] = clean(s)
		}
	}
	return Words{ID: w.ID, Args: args}
}

// record is how Words are kept in a stored row (a token's last error, an audit entry's detail).
type record struct {
	ID   string `json:"id"`
	Args []any  `json:"args,omitempty"`
}

// Record is w as a stored row keeps it: a small JSON object with the message id and its parameters, so that
// whoever reads the row later says it in their own language.
func (w Words) Record() string {
	b, err := json.Marshal(record{ID: w.ID, Args: w.Args})
	if err != nil { // parameters are strings and numbers: this does not happen
		return w.ID
	}
	return string(b)
}

// ReadRecord reads words a row keeps (Record); a row written before rows kept message ids holds plain words,
// which come back as they are (the message "record.text").
func ReadRecord(s string) Words {
	if s == "" {
		return Words{}
	}
	var r record
	if strings.HasPrefix(s, `{"id":`) && json.Unmarshal([]byte(s), &r) == nil && r.ID != "" && len(r.Args)%2 == 0 {
		for i := 1; i < len(r.Args); i += 2 {
			if f, ok := r.Args[i].(float64); ok && f == float64(int64(f)) {
				r.Args[i] = int64(f) // JSON numbers come back as floats; the counts were integers
			}
		}
		return Words{ID: r.ID, Args: r.Args}
	}
	return say("record.text", "Text", s)
}
