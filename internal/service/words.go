package service

import (
	"encoding/json"
	"strings"
)

// Words are words for a person, as a message id of the shipped catalogs with its parameters (name, value
// pairs, as i18n's Localizer.T takes them; a value may be Words itself, said first). The service says what to
// tell; the HTTP layer says it in the person's language.
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

// toRecord is w as JSON keeps it, Words among its parameters included.
func (w Words) toRecord() record {
	r := record{ID: w.ID, Args: make([]any, len(w.Args))}
	for i, a := range w.Args {
		if inner, ok := a.(Words); ok {
			a = inner.toRecord()
		}
		r.Args[i] = a
	}
	if len(r.Args) == 0 {
		r.Args = nil
	}
	return r
}

// fromRecord is the Words a record keeps; ok is false when it is not one.
func fromRecord(r record) (Words, bool) {
	if r.ID == "" || len(r.Args)%2 != 0 {
		return Words{}, false
	}
	for i := 1; i < len(r.Args); i += 2 {
		switch v := r.Args[i].(type) {
		case float64:
			if v == float64(int64(v)) {
				r.Args[i] = int64(v) // JSON numbers come back as floats; the counts were integers
			}
		case map[string]any:
			id, _ := v["id"].(string)
			args, _ := v["args"].([]any)
			inner, ok := fromRecord(record{ID: id, Args: args})
			if !ok {
				return Words{}, false
			}
			r.Args[i] = inner
		}
	}
	return Words{ID: r.ID, Args: r.Args}, true
}

// Record is w as a stored row keeps it: a small JSON object with the message id and its parameters, so that
// whoever reads the row later says it in their own language.
func (w Words) Record() string {
	b, err := json.Marshal(w.toRecord())
	if err != nil { // parameters are strings and numbers: this does not happen
		return w.ID
	}
	return string(b)
}

// recordAll keeps several sentences in one row: a JSON array of Record's objects.
func recordAll(ws []Words) string {
	rs := make([]record, 0, len(ws))
	for _, w := range ws {
		rs = append(rs, w.toRecord())
	}
	b, err := json.Marshal(rs)
	if err != nil { // parameters are strings and numbers: this does not happen
		return ""
	}
	return string(b)
}

// ReadRecord reads words a row keeps (Record); a row written before rows kept message ids holds plain words,
// which come back as they are (the message "record.text").
func ReadRecord(s string) Words {
	ws := ReadRecords(s)
	if len(ws) == 0 {
		return Words{}
	}
	return ws[0]
}

// ReadRecords reads the sentences a row keeps (Record, or several as a JSON array); plain words of an older row
// come back as one sentence (the message "record.text").
func ReadRecords(s string) []Words {
	if s == "" {
		return nil
	}
	var rs []record
	switch {
	case strings.HasPrefix(s, `{"id":`):
		var r record
		if json.Unmarshal([]byte(s), &r) == nil {
			rs = []record{r}
		}
	case strings.HasPrefix(s, `[{"id":`):
		_ = json.Unmarshal([]byte(s), &rs)
	}
	out := make([]Words, 0, len(rs))
	for _, r := range rs {
		w, ok := fromRecord(r)
		if !ok {
			return []Words{say("record.text", "Text", s)}
		}
		out = append(out, w)
	}
	if len(out) == 0 {
		return []Words{say("record.text", "Text", s)}
	}
	return out
}
