package service

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// storedPrefix starts messages stored as text. A file's base name never contains a slash, so a stored file name
// (an import's label) is never taken for messages, nor is the plain text of a row written before rows kept
// messages.
const storedPrefix = "/msg"

// The stored form is storedPrefix and a JSON array with one object a sentence: {"id": "...", "args": [name,
// value, ...]}. A value is a JSON string, an integer, a bool, or an object: a nested message ({"id", "args"}),
// {"bytes": n}, {"wait": nanoseconds}, {"time": RFC 3339} or {"list": [items]}.
type storedMessage struct {
	ID   string `json:"id"`
	Args []any  `json:"args,omitempty"`
}

// StoreMessages writes messages as text for a store column that keeps words for later (an import's error or
// label, an audit entry's detail, a token's last error, a connection check's record), so that whoever reads the
// row later reads it in their own language. Messages that say nothing are left out; none at all is "".
func StoreMessages(ms ...Message) string {
	out := make([]storedMessage, 0, len(ms))
	for _, m := range ms {
		if !m.IsZero() {
			out = append(out, toStored(m))
		}
	}
	if len(out) == 0 {
		return ""
	}
	b, err := json.Marshal(out)
	if err != nil { // strings, numbers and bools only: cannot fail
		return ""
	}
	return storedPrefix + string(b)
}

func toStored(m Message) storedMessage {
	s := storedMessage{ID: m.ID}
	for i := 0; i+1 < len(m.Args); i += 2 {
		var v any
		switch a := m.Args[i+1].(type) {
		case string, bool, int64:
			v = a
		case int:
			v = int64(a)
		case Bytes:
			v = map[string]int64{"bytes": int64(a)}
		case Wait:
			v = map[string]int64{"wait": int64(a)}
		case List:
			v = map[string][]string{"list": append([]string{}, a...)}
		case time.Time:
			v = map[string]string{"time": a.UTC().Format(time.RFC3339Nano)}
		case Message:
			v = toStored(a)
		default:
			v = fmt.Sprint(a)
		}
		s.Args = append(s.Args, fmt.Sprint(m.Args[i]), v)
	}
	return s
}

// errNotStored is text that is not StoreMessages' form.
var errNotStored = errors.New("not stored messages")

// StoredMessages reads text written by StoreMessages. ok is false for any other text (a file name, or the plain
// words of a row written before rows kept messages), which the caller shows as it is.
func StoredMessages(text string) (ms []Message, ok bool) {
	rest, found := strings.CutPrefix(text, storedPrefix)
	if !found {
		return nil, false
	}
	dec := json.NewDecoder(strings.NewReader(rest))
	dec.UseNumber()
	var raw []any
	if err := dec.Decode(&raw); err != nil || len(raw) == 0 {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	ms = make([]Message, 0, len(raw))
	for _, r := range raw {
		m, err := fromStored(r)
		if err != nil {
			return nil, false
		}
		ms = append(ms, m)
	}
	return ms, true
}

// fromStored is the message a decoded JSON object keeps.
func fromStored(raw any) (Message, error) {
	obj, _ := raw.(map[string]any)
	id, _ := obj["id"].(string)
	if id == "" {
		return Message{}, errNotStored
	}
	for key := range obj {
		if key != "id" && key != "args" {
			return Message{}, errNotStored
		}
	}
	var args []any
	if a, present := obj["args"]; present {
		list, ok := a.([]any)
		if !ok || len(list)%2 != 0 {
			return Message{}, errNotStored
		}
		args = list
	}
	m := Message{ID: id}
	for i := 0; i < len(args); i += 2 {
		name, ok := args[i].(string)
		if !ok {
			return Message{}, errNotStored
		}
		v, err := storedValue(args[i+1])
		if err != nil {
			return Message{}, err
		}
		m.Args = append(m.Args, name, v)
	}
	return m, nil
}

// storedValue is a parameter's value as toStored wrote it.
func storedValue(raw any) (any, error) {
	switch v := raw.(type) {
	case string, bool:
		return v, nil
	case json.Number:
		return v.Int64()
	case map[string]any:
		if _, nested := v["id"]; nested {
			return fromStored(v)
		}
		if len(v) != 1 {
			return nil, errNotStored
		}
		for key, val := range v {
			switch key {
			case "bytes", "wait":
				n, ok := val.(json.Number)
				if !ok {
					return nil, errNotStored
				}
				i, err := n.Int64()
				if err != nil {
					return nil, err
				}
				if key == "bytes" {
					return Bytes(i), nil
				}
				return Wait(i), nil
			case "time":
				s, _ := val.(string)
				return time.Parse(time.RFC3339Nano, s)
			case "list":
				items, ok := val.([]any)
				if !ok {
					return nil, errNotStored
				}
				l := make(List, 0, len(items))
				for _, it := range items {
					str, ok := it.(string)
					if !ok {
						return nil, errNotStored
					}
					l = append(l, str)
				}
				return l, nil
			}
		}
	}
	return nil, errNotStored
}
