package service

// The Pickable choices of a ListQuery.
const (
	PickableAuto = ""  // only pickable files when most (not all) files of the folder are refused
	PickableOnly = "1" // only files the pick request accepts (and folders)
	PickableAll  = "0" // every file, the refused ones greyed
)

// accepts reports whether the pick request accepts a file, without building the words of a refusal.
func (a *Acceptor) accepts(name, contentType string, size int64) bool {
	return a.typeOK(name, contentType) && (a.maxBytes <= 0 || size <= a.maxBytes)
}

// ShortRefusal is a row's few words on why a file cannot be picked ("Type not accepted", "Too large: 3 MB"), or
// nothing when it can; Explain says the rest once for the page.
func (a Acceptor) ShortRefusal(name, contentType string, size int64) Message {
	if !a.typeOK(name, contentType) {
		return Msg("problem.refusal.short_type")
	}
	if a.maxBytes > 0 && size > a.maxBytes {
		return Msg("problem.refusal.short_large", "Size", Bytes(size))
	}
	return Message{}
}

// Explain says in one sentence which files this page accepts (nothing when it accepts every file).
func (a Acceptor) Explain() Message {
	switch {
	case !a.AcceptsAllTypes() && a.maxBytes > 0:
		return Msg("problem.refusal.accepts_types_size", "Types", a.describe, "Limit", Bytes(a.maxBytes))
	case !a.AcceptsAllTypes():
		return Msg("problem.refusal.accepts_types", "Types", a.describe)
	case a.maxBytes > 0:
		return Msg("problem.refusal.accepts_size", "Limit", Bytes(a.maxBytes))
	}
	return Message{}
}

// countRefused counts a folder's files and those the pick request refuses. A request that accepts every file
// refuses none, and no file is looked at for it.
func countRefused(f *folder, acc *Acceptor) (files, refused int) {
	all := acc.acceptsAll()
	for i := range f.entries {
		e := &f.entries[i]
		if e.Dir {
			continue
		}
		files++
		if !all && !acc.accepts(e.Name, e.ContentType, e.Size) {
			refused++
		}
	}
	return files, refused
}

// onlyPickable decides the "only files I can pick" view: the user's choice, else on when most but not all files
// are refused (with every file refused, the greyed rows and their reasons say more than an empty list).
func onlyPickable(choice string, files, refused int) bool {
	switch choice {
	case PickableOnly:
		return true
	case PickableAll:
		return false
	}
	return refused > 0 && refused*2 > files && refused < files
}
