package service

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
